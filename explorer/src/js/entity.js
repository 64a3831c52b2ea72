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

function quote(m) {
  return m.snippet ? h("q", {}, "…", m.snippet.before.slice(-50), h("mark", {}, m.snippet.match), m.snippet.after.slice(0, 50), "…")
                   : h("span", { class: "muted" }, m.selectors.fragments.join(" "));
}

// The mentions of one source as passages: a relation's subject and object in one sentence
// are one quote with both marked, not the same sentence twice.
function passages(ms) {
  const placed = ms.filter((m) => m.snippet && m.selectors.char).sort((a, b) => a.selectors.char[0] - b.selectors.char[0]);
  const out = ms.filter((m) => !placed.includes(m)).map(quote);
  let i = 0;
  while (i < placed.length) {
    const base = placed[i];
    const text = base.snippet.before + base.snippet.match + base.snippet.after;
    const origin = base.selectors.char[0] - base.snippet.before.length;  // offset of text[0] in the source
    const marks = [];
    while (i < placed.length && placed[i].transcript === base.transcript
           && placed[i].selectors.char[0] >= origin && placed[i].selectors.char[1] <= origin + text.length
           && (!marks.length || placed[i].selectors.char[0] >= marks[marks.length - 1][1])) {
      marks.push(placed[i].selectors.char.map((c) => c - origin));
      i += 1;
    }
    if (!marks.length) { out.push(quote(base)); i += 1; continue; }
    const parts = ["…", text.slice(Math.max(0, marks[0][0] - 50), marks[0][0])];
    marks.forEach(([a, b], k) => parts.push(h("mark", {}, text.slice(a, b)), text.slice(b, k + 1 < marks.length ? marks[k + 1][0] : b + 50)));
    parts.push("…");
    out.push(h("q", {}, parts));
  }
  return out;
}

// A relation's evidence, one entry per source file with the passages (or regions) there.
function evidenceSummary(evidence) {
  if (!evidence.length) return h("span", { class: "muted" }, "—");
  const bySource = new Map();
  for (const m of evidence) {
    const path = m.source.path ?? m.sha256;
    if (!bySource.has(path)) bySource.set(path, []);
    bySource.get(path).push(m);
  }
  return h("ul", { class: "rel-evidence" }, [...bySource].map(([path, ms]) => {
    const quotes = passages(ms);
    return h("li", { class: "evidence-source", "data-path": path }, h("span", { class: "path" }, path), " ",
      quotes.length === 1 ? quotes[0] : h("ul", { class: "passages" }, quotes.map((q) => h("li", {}, q))));
  }));
}

// One row per fact: the same subject, predicate and object found in several sources (or by
// several extractors) are one group listing all of its evidence.
function relationsTable(groups, self) {
  if (!groups.length) return h("p", { class: "muted empty" }, "No relations recorded for this entity.");
  return h("table", { class: "relations" },
    h("thead", {}, h("tr", {}, ["subject", "predicate", "object", "confidence", "found in", "extractor", "evidence"].map((c) => h("th", {}, c)))),
    h("tbody", {}, groups.map((g) => h("tr", {
      class: `relation${g.inferred ? " inferred" : ""}${g.sources.length > 1 ? " multi-source" : ""}`,
      "data-direction": g.direction, "data-relations": g.relations.length, "data-sources": g.sources.length, "data-key": g.key },
      h("td", {}, entityLink(g.subject, self)),
      h("td", { title: g.predicate }, g.predicate_short, g.inferred ? h("span", { class: "badge inferred", title: "inferred by a rule, not stated in a source" }, "inferred") : null),
      h("td", {}, entityLink(g.object, self)),
      h("td", { class: "num", title: g.relations.length > 1 ? "the highest of its relations" : null }, fmtNum(g.confidence)),
      h("td", { class: "found-in" }, g.sources.length > 1
        ? h("span", { class: "badge sources", title: g.sources.join("\n") }, `${g.sources.length} sources`)
        : g.sources.length ? h("span", { class: "muted" }, "1 source") : h("span", { class: "muted" }, "—"),
        g.relations.length > g.sources.length ? h("span", { class: "muted small" }, ` · ${g.relations.length}×`) : null),
      h("td", {}, g.extractors.join(", ")),
      h("td", {}, evidenceSummary(g.evidence))))));
}

// The entities fusion merged into this one, and where each is mentioned.
function membersList(e) {
  if (!e.member_details?.length) return null;
  return h("div", { class: "members" }, h("span", { class: "muted" }, `Fused from ${e.member_details.length} entities: `),
    h("ul", { class: "members" }, e.member_details.map((m) => h("li", { "data-iri": m.iri },
      m.iri === e.iri ? h("strong", {}, m.label) : h("a", { href: entityHref(m.iri) }, m.label || m.iri), " ", typeBadge(m.type),
      m.files.length ? h("span", { class: "where muted" }, ` ${m.files.join(", ")}`) : null))));
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
      ` · ${e.relation_groups.length} relation${e.relation_groups.length === 1 ? "" : "s"}`,
      e.relations.length > e.relation_groups.length ? ` (${e.relations.length} found)` : "",
      ` · ${e.events.length} event${e.events.length === 1 ? "" : "s"}`),
    membersList(e),
    h("section", { id: "evidence" }, h("h2", {}, "Evidence"),
      modalities.length ? modalities.map((m) => evidenceSection(m, e.mentions[m])) : h("p", { class: "muted" }, "No mentions.")),
    h("section", { id: "relations" }, h("h2", {}, "Relations"), relationsTable(e.relation_groups, e.canonical)),
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
