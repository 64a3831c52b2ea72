// Entity search over labels (/api/search); with no query, the home page: the store's
// overview and its most connected things (home.js).
import { getJSON } from "./api.js";
import { entityHref, h, typeBadge } from "./dom.js";
import { renderHome } from "./home.js";

function resultList(entities, where) {
  if (!entities.length) return h("p", { class: "muted empty" }, "No entity matches.");
  return h("ul", { class: "results" }, entities.map((e) => h("li", { class: "result", "data-iri": e.iri },
    h("a", { href: entityHref(e.iri) }, e.label || e.iri), " ", typeBadge(e.type),
    e.mentions !== undefined ? h("span", { class: "muted" }, ` ${e.mentions} mention${e.mentions === 1 ? "" : "s"}`) : null,
    where[e.iri]?.length ? h("span", { class: "where muted" }, ` · ${where[e.iri].join(", ")}`) : null)));
}

// The files each entity is mentioned in, its fused members' included.
async function sourcesOf(entities) {
  if (!entities.length) return {};
  try { return await getJSON("/api/entity-sources", { iri: entities.map((e) => e.iri) }); } catch { return {}; }
}

export async function renderSearch(root, q) {
  const input = h("input", { type: "search", name: "q", value: q, placeholder: "Search entities by name, e.g. Eileen Collins",
                             autofocus: true, "aria-label": "entity name" });
  const results = h("div", { class: "search-results" });
  const form = h("form", { class: "search", onsubmit: (ev) => {
    ev.preventDefault();
    location.hash = `#/?q=${encodeURIComponent(input.value.trim())}`;
  } }, input, h("button", { type: "submit" }, "Search"));
  root.append(h("h1", {}, "Entities"), form, results);

  if (q) {
    const found = await getJSON("/api/search", { q, limit: 50 });
    results.append(h("h2", {}, `${found.length} result${found.length === 1 ? "" : "s"} for “${q}”`),
                   resultList(found, await sourcesOf(found)));
  } else {
    await renderHome(results);
  }
}
