// The SPARQL page: a YASQE editor (syntax highlighting, checking, completion of
// variables) posting to /sparql, and the results as a table. YASQE's own query runner and
// its prefix/class look-ups are switched off: they would call services outside this server.
import { getJSON, sparql } from "./api.js";
import { compact, entityHref, errorBox, h, isEntity, PREFIXES } from "./dom.js";

const example = (prefixes) => `# Predeclared by the server (no PREFIX needed): ${Object.keys(prefixes).join(", ")}

# Entities with the number of mentions in each modality
SELECT ?entity ?label ?type ?modality (COUNT(?m) AS ?mentions) WHERE {
  ?entity a kg:Entity ; rdfs:label ?label ; kg:entityType ?type .
  ?m kg:refersTo ?entity ; kg:modality ?modality .
}
GROUP BY ?entity ?label ?type ?modality
ORDER BY DESC(?mentions) ?label
LIMIT 100
`;

function cell(term) {
  if (!term) return h("td", { class: "unbound" });
  if (term.type === "uri") {
    return h("td", { class: "uri", title: term.value },
      isEntity(term.value) ? h("a", { href: entityHref(term.value) }, compact(term.value)) : compact(term.value));
  }
  return h("td", { class: term.type === "literal" && term.datatype?.endsWith("#integer") ? "literal num" : "literal",
                   title: term.datatype ? compact(term.datatype) : term["xml:lang"] ? `@${term["xml:lang"]}` : null }, term.value);
}

function resultsTable(data) {
  if (typeof data.boolean === "boolean") return h("p", { class: "ask" }, `ASK: ${data.boolean}`);
  const vars = data.head.vars;
  const rows = data.results.bindings;
  return [
    h("p", { class: "row-count muted" }, `${rows.length} row${rows.length === 1 ? "" : "s"}`),
    h("div", { class: "table-wrap" }, h("table", { class: "results-table" },
      h("thead", {}, h("tr", {}, vars.map((v) => h("th", {}, `?${v}`)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, vars.map((v) => cell(row[v]))))))),
  ];
}

// YASQE marks a prefix the query does not declare as an error; the server declares these
// for every query (as `kgbuild query` does), so the editor's parser starts out knowing
// them: every state it starts from gets them (a PREFIX in the query still overrides).
function predeclare(Yasqe, prefixes) {
  const factory = Yasqe.modes?.sparql11;
  if (!factory || factory.kgbuildPredeclared) return;
  const wrapped = (config, spec) => {
    const mode = factory(config, spec);
    const start = mode.startState;
    mode.startState = (...args) => {
      const state = start.apply(mode, args);
      state.prefixes = { ...prefixes, ...state.prefixes };
      return state;
    };
    return mode;
  };
  wrapped.kgbuildPredeclared = true;
  Yasqe.defineMode("sparql11", wrapped);
}

async function serverPrefixes() {
  try { return await getJSON("/api/prefixes"); } catch { return PREFIXES; }  // an older server: the usual ones
}

function waitForYasqe() {
  // yasqe.min.js loads as a deferred classic script; modules run after it, but be safe.
  return new Promise((resolve) => {
    const check = () => (window.Yasqe ? resolve(window.Yasqe) : setTimeout(check, 20));
    check();
  });
}

export async function renderSparql(root, initial) {
  const host = h("div", { class: "editor" });
  const run = h("button", { type: "button", class: "run" }, "Run query");
  const status = h("span", { class: "status muted" });
  const output = h("div", { class: "sparql-results", "data-state": "idle" });
  root.append(h("h1", {}, "SPARQL"),
    h("p", { class: "muted" }, "Queries run on this store (read-only) through the SPARQL 1.1 endpoint at ",
      h("code", {}, "/sparql"), ". Ctrl+Enter runs the query."),
    host, h("div", { class: "toolbar" }, run, status), output);

  const [Yasqe, prefixes] = await Promise.all([waitForYasqe(), serverPrefixes()]);
  predeclare(Yasqe, prefixes);
  const yasqe = new Yasqe(host, {
    value: initial || example(prefixes), persistenceId: null, consumeShareLink: null, createShareableLink: null,
    showQueryButton: false, autocompleters: ["variables"], prefixCcApi: null, resizeable: true, editorHeight: "300px",
  });
  window.kgbuildYasqe = yasqe;  // handy from the browser console (and for tests)

  const execute = async () => {
    output.dataset.state = "running";
    status.textContent = "running…";
    const started = performance.now();
    try {
      const result = await sparql(yasqe.getValue());
      const ms = Math.round(performance.now() - started);
      output.replaceChildren(...[].concat(result.kind === "json" ? resultsTable(result.data) : h("pre", { class: "graph-result" }, result.data)));
      status.textContent = `done in ${ms} ms`;
      output.dataset.state = "done";
    } catch (err) {
      output.replaceChildren(errorBox(err.message));
      status.textContent = "failed";
      output.dataset.state = "error";
    }
  };
  yasqe.query = execute;  // Ctrl+Enter in YASQE calls query(): run ours instead of its own request
  run.addEventListener("click", execute);
}
