// Hash routes keep every view linkable and the server a plain static host:
//   #/            search          #/entity?iri=...   entity page          #/sparql   SPARQL editor
import { getJSON } from "./api.js";
import { errorBox, h } from "./dom.js";
import { renderEntity } from "./entity.js";
import { renderSearch } from "./search.js";
import { renderSparql } from "./sparql.js";

const view = document.getElementById("view");

function parseHash() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = hash.split("?");
  return { path, params: new URLSearchParams(query) };
}

async function route() {
  const { path, params } = parseHash();
  const page = path === "/entity" ? "entity" : path === "/sparql" ? "sparql" : "search";
  document.body.dataset.page = page;
  for (const link of document.querySelectorAll("[data-nav]")) {
    link.classList.toggle("active", link.dataset.nav === (page === "entity" ? "search" : page));
  }
  const target = h("div", { class: "page", "data-page": page });
  view.replaceChildren(target);
  try {
    if (page === "entity") await renderEntity(target, params.get("iri") || "");
    else if (page === "sparql") await renderSparql(target, params.get("query"));
    else await renderSearch(target, params.get("q") || "");
  } catch (err) {
    target.append(errorBox(err.message));
  }
  target.dataset.ready = "true";  // lets tests (and people) tell a finished page from a loading one
}

window.addEventListener("hashchange", route);
route();

getJSON("/api").then((info) => {
  document.getElementById("store-info").textContent = `${info.store}${info.read_only ? " · read-only" : ""}`;
}).catch(() => {});
