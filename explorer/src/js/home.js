// The home page without a query: the store at a glance (/api/overview) and its most
// connected things (/api/top-things). Values (dates, numbers, amounts) are not ranked with
// people, organisations, places and objects: each thing lists the values that go with it.
import { getJSON } from "./api.js";
import { entityHref, h, typeBadge } from "./dom.js";

const plural = (n, word, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function stat(value, label, cls = "") {
  return h("div", { class: `stat ${cls}`.trim() }, h("span", { class: "value" }, String(value)), h("span", { class: "label muted" }, label));
}

function sourcesCard(o) {
  return h("article", { class: "card sources" },
    h("h3", {}, "Sources"),
    h("div", { class: "stats" }, stat(o.sources.total, "files"), stat(o.sources.ok, "built"),
      stat(o.sources.failed, "failed", o.sources.failed ? "bad" : "")),
    h("table", { class: "by-modality" },
      h("thead", {}, h("tr", {}, ["modality", "files", "ok", "failed", "mentions"].map((c) => h("th", {}, c)))),
      h("tbody", {}, o.sources_by_modality.map((m) => h("tr", { "data-modality": m.modality },
        h("td", {}, m.modality), h("td", { class: "num" }, m.sources), h("td", { class: "num" }, m.ok),
        h("td", { class: `num${m.failed ? " bad" : ""}` }, m.failed), h("td", { class: "num" }, m.mentions))))),
    // OCR mentions are read from images: not a source modality of their own.
    o.mentions_by_modality.filter((m) => !o.sources_by_modality.some((s) => s.modality === m.modality)).length
      ? h("p", { class: "muted small" }, "Also: ", o.mentions_by_modality
          .filter((m) => !o.sources_by_modality.some((s) => s.modality === m.modality))
          .map((m) => `${plural(m.mentions, "mention")} from ${m.modality}`).join(", "))
      : null);
}

function entitiesCard(o) {
  const e = o.entities;
  const chips = (value) => h("ul", { class: `types${value ? " values" : ""}` },
    o.entities_by_type.filter((t) => t.value === value).map((t) => h("li", {}, typeBadge(t.type), ` ${t.entities}`)));
  return h("article", { class: "card entities" },
    h("h3", {}, "Entities"),
    h("div", { class: "stats" }, stat(e.things, "things"), stat(e.values, "values"), stat(o.relations.total, "relations"),
      stat(o.events, "events")),
    h("p", { class: "muted small" }, `Counted once per real thing: ${plural(e.recorded, "entity", "entities")} recorded, `,
      `${e.merged} merged by fusion into others. `,
      o.relations.inferred ? `${o.relations.inferred} of the relations inferred.` : ""),
    h("p", { class: "small" }, "Things: "), chips(false),
    h("p", { class: "small" }, "Values: "), chips(true));
}

function buildCard(o) {
  const last = o.last_build;
  return h("article", { class: "card build" },
    h("h3", {}, "Last build"),
    last
      ? [h("p", { class: "when" }, h("time", { datetime: last.at }, when(last.at))),
         h("p", { class: "muted small" }, "when the last build wrote a source (",
           plural(last.sources_recorded, "source"), " recorded)"),
         h("p", { class: "small" }, "Pipeline: ", last.pipelines.map((p) => `${p.pipeline} (${plural(p.sources, "source")})`).join(", ") || "—"),
         h("p", { class: "small muted" }, last.software.join(", "))]
      : h("p", { class: "muted" }, "No build recorded for this store."));
}

function failuresSection(failures) {
  return h("section", { id: "failures" },
    h("h3", {}, "Failures ", h("span", { class: "muted" }, `(${failures.length})`)),
    failures.length
      ? h("div", { class: "table-wrap failures-wrap" }, h("table", { class: "failures" },
          h("thead", {}, h("tr", {}, ["file", "modality", "stage", "code", "reason"].map((c) => h("th", {}, c)))),
          h("tbody", {}, failures.map((f) => h("tr", { class: "failure" },
            h("td", { class: "path" }, f.path ?? f.source), h("td", {}, f.modality ?? ""), h("td", {}, f.stage ?? ""),
            h("td", {}, h("code", {}, f.code ?? "")),
            h("td", { class: "reason" }, f.reason ?? "", f.position ? h("span", { class: "muted" }, ` (at ${f.position})`) : null))))))
      : h("p", { class: "muted empty" }, "No file failed."));
}

export function overviewSection(o) {
  return h("section", { id: "overview" },
    h("h2", {}, "This store"),
    h("div", { class: "overview-cards" }, sourcesCard(o), entitiesCard(o), buildCard(o)),
    failuresSection(o.failures));
}

function valueChip(v) {
  const how = v.via === "relation" ? "linked by a relation"
    : v.via === "event" ? `in the same event (${v.events.join(", ")})` : "mentioned close to it";
  return h("li", { class: `value via-${v.via}`, "data-type": v.type, title: `${v.type}: ${how}` },
    h("a", { href: entityHref(v.iri) }, v.label), v.via === "event" ? h("span", { class: "muted" }, ` ${v.events[0]}`) : null);
}

function thingRow(t) {
  const fused = t.members.filter((m) => m.iri !== t.iri);
  return h("li", { class: "result thing", "data-iri": t.iri, "data-type": t.type },
    h("div", { class: "line" },
      h("a", { href: entityHref(t.iri) }, t.label || t.iri), " ", typeBadge(t.type),
      h("span", { class: "muted" }, ` ${plural(t.score, "connection")} · ${plural(t.mentions, "mention")}`),
      t.files.length ? h("span", { class: "where muted" }, ` · ${t.files.join(", ")}`) : null),
    fused.length
      ? h("div", { class: "fused muted small" }, "fused with ", fused.map((m, i) => [i ? "; " : "",
          h("a", { href: entityHref(m.iri) }, m.label || m.iri), m.type ? ` (${m.type})` : "",
          m.files.length ? ` in ${m.files.join(", ")}` : ""]))
      : null,
    t.values.length
      ? h("ul", { class: "values" }, t.values.map(valueChip),
          t.values_total > t.values.length ? h("li", { class: "more muted" }, `+${t.values_total - t.values.length} more`) : null)
      : null);
}

export function topThingsSection(things) {
  return h("section", { id: "top" },
    h("h2", {}, "Most connected"),
    h("p", { class: "muted small" }, "People, organisations, places and objects, by the number of other things they are linked to ",
      "(by a relation, or mentioned close together). Values — dates, numbers, amounts — are listed under the things they go with: ",
      h("span", { class: "key via-relation" }, "by a relation"), h("span", { class: "key via-event" }, "in an event"),
      h("span", { class: "key via-co-mention" }, "mentioned nearby"), "."),
    things.length ? h("ul", { class: "results top-things" }, things.map(thingRow)) : h("p", { class: "muted empty" }, "No entities yet."));
}

export async function renderHome(results) {
  const [overview, top] = await Promise.all([getJSON("/api/overview"), getJSON("/api/top-things", { top: 25 })]);
  results.append(overviewSection(overview), topThingsSection(top));
}
