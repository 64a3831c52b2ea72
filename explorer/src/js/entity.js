// The entity page: who or what it is, its evidence by modality, its relations (inferred
// ones marked), the events it takes part in, and its neighbourhood in the entity graph.
import { getJSON } from "./api.js";
import { compact, entityHref, fmtNum, h, typeBadge } from "./dom.js";
import { evidenceSection } from "./evidence.js";
import { renderNeighbourhood } from "./graph.js";

function entityLink(ref, self) {
  if (ref.iri === self) return h("strong", { class: "self" }, ref.label);
  return ref.iri.startsWith("http") ? h("a", { href: entityHref(ref.iri), title: ref.iri }, ref.label) : h("span", {}, ref.label);
}

function evidenceSummary(evidence) {
  if (!evidence.length) return h("span", { class: "muted" }, "—");
  return h("ul", { class: "rel-evidence" }, evidence.map((m) => h("li", {},
    h("span", { class: "path" }, m.source.path), " ",
    m.snippet ? h("q", {}, "…", m.snippet.before.slice(-50), h("mark", {}, m.snippet.match), m.snippet.after.slice(0, 50), "…")
              : h("span", { class: "muted" }, m.selectors.fragments.join(" ")))));
}

function relationsTable(relations, self) {
  if (!relations.length) return h("p", { class: "muted empty" }, "No relations recorded for this entity.");
  return h("table", { class: "relations" },
    h("thead", {}, h("tr", {}, ["subject", "predicate", "object", "confidence", "extractor", "evidence"].map((c) => h("th", {}, c)))),
    h("tbody", {}, relations.map((r) => h("tr", { class: `relation${r.inferred ? " inferred" : ""}`, "data-direction": r.direction },
      h("td", {}, entityLink(r.subject, self)),
      h("td", { title: r.predicate }, r.predicate_short, r.inferred ? h("span", { class: "badge inferred", title: "inferred by a rule, not stated in a source" }, "inferred") : null),
      h("td", {}, entityLink(r.object, self)),
      h("td", { class: "num" }, fmtNum(r.confidence)),
      h("td", {}, r.extractor ?? ""),
      h("td", {}, evidenceSummary(r.evidence))))));
}

function eventsTable(events, self) {
  if (!events.length) return h("p", { class: "muted empty" }, "No events recorded with this entity as an argument.");
  return h("table", { class: "events" },
    h("thead", {}, h("tr", {}, ["event", "role here", "arguments", "trigger", "confidence", "extractor"].map((c) => h("th", {}, c)))),
    h("tbody", {}, events.map((e) => h("tr", { class: "event" },
      h("td", {}, e.type ?? ""),
      h("td", {}, e.roles.join(", ")),
      h("td", {}, h("ul", { class: "args" }, e.arguments.map((a) => h("li", {}, `${a.role}: `,
        a.is_entity ? entityLink({ iri: a.filler, label: a.label }, self) : a.label)))),
      h("td", {}, e.trigger ? evidenceSummary([e.trigger]) : ""),
      h("td", { class: "num" }, fmtNum(e.confidence)),
      h("td", {}, e.extractor ?? "")))));
}

export async function renderEntity(root, iri) {
  if (!iri) throw new Error("No entity given: pick one from the search page.");
  const e = await getJSON("/api/entity", { iri });
  const modalities = Object.keys(e.mentions);
  root.append(
    h("h1", { class: "entity-title" }, e.label || compact(e.iri), " ", typeBadge(e.type),
      // Only web links: an IRI from the store could be any scheme, javascript: included.
      /^https?:\/\//.test(e.schema_class ?? "")
        ? h("a", { class: "schema muted", href: e.schema_class, target: "_blank", rel: "noopener" }, e.schema_class_short)
        : e.schema_class ? h("span", { class: "schema muted" }, e.schema_class_short) : null),
    h("p", { class: "iri muted" }, e.iri),
    h("p", { class: "summary" }, `${e.mention_count} mention${e.mention_count === 1 ? "" : "s"}`,
      modalities.length ? ` in ${modalities.join(", ")}` : "",
      e.mentions_shown < e.mention_count ? ` (first ${e.mentions_shown} shown)` : "",
      ` · ${e.relations.length} relation${e.relations.length === 1 ? "" : "s"}`,
      ` · ${e.events.length} event${e.events.length === 1 ? "" : "s"}`),
    h("section", { id: "evidence" }, h("h2", {}, "Evidence"),
      modalities.length ? modalities.map((m) => evidenceSection(m, e.mentions[m])) : h("p", { class: "muted" }, "No mentions.")),
    h("section", { id: "relations" }, h("h2", {}, "Relations"), relationsTable(e.relations, e.iri)),
    h("section", { id: "events" }, h("h2", {}, "Events"), eventsTable(e.events, e.iri)));

  const graph = h("div", { id: "graph", class: "graph" });
  const hops = h("select", { name: "hops", "aria-label": "hops" }, [1, 2, 3].map((n) => h("option", { value: n }, `${n} hop${n > 1 ? "s" : ""}`)));
  const section = h("section", { id: "neighbourhood" },
    h("h2", {}, "Neighbourhood ", hops),
    h("p", { class: "legend muted" }, h("span", { class: "key relation" }, "relation"), h("span", { class: "key co-mention" }, "mentioned together"),
      h("span", { class: "key inferred" }, "inferred"), " · click a node to open it"),
    graph);
  root.append(section);
  hops.addEventListener("change", () => renderNeighbourhood(graph, e.iri, Number(hops.value)));
  await renderNeighbourhood(graph, e.iri, 1);
}
