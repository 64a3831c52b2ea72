// The neighbourhood view: /api/neighbors drawn with Cytoscape. Node colour is the entity
// type; edge style says how two entities are linked (stated relation, inferred relation,
// or only mentioned close together), the same distinction /api/path makes.
import cytoscape from "../vendor/cytoscape.esm.min.mjs";
import { getJSON } from "./api.js";
import { compact, entityHref } from "./dom.js";

const TYPE_COLOURS = {
  PERSON: "#1f77b4", ORG: "#ff7f0e", GPE: "#2ca02c", LOC: "#2ca02c", FAC: "#2ca02c",
  DATE: "#9467bd", EVENT: "#d62728", OBJECT: "#8c564b", ANIMAL: "#e377c2",
};

const STYLE = [
  { selector: "node", style: { label: "data(label)", "background-color": "data(colour)", color: "#222", "font-size": 11,
                               "text-outline-color": "#fff", "text-outline-width": 2,
                               "text-valign": "bottom", "text-margin-y": 4, width: 18, height: 18 } },
  { selector: "node.center", style: { width: 30, height: 30, "border-width": 3, "border-color": "#222", "font-weight": "bold" } },
  { selector: "edge", style: { width: 1.5, "line-color": "#999", "curve-style": "bezier", "target-arrow-shape": "none" } },
  { selector: "edge.relation", style: { "line-color": "#1f5fa8", "target-arrow-color": "#1f5fa8", "target-arrow-shape": "triangle",
                                        label: "data(label)", "font-size": 9, "text-rotation": "autorotate", color: "#1f5fa8" } },
  { selector: "edge.co-mention", style: { "line-style": "dashed", "line-color": "#bbb" } },
  // Links between two neighbours matter less than links to the centre: keep them faint.
  { selector: "edge.aside", style: { opacity: 0.25 } },
  { selector: "edge.inferred", style: { "line-style": "dotted", "line-color": "#d97706", "target-arrow-color": "#d97706", color: "#d97706" } },
];

export async function renderNeighbourhood(container, iri, hops) {
  container.dataset.ready = "false";
  const data = await getJSON("/api/neighbors", { entity: iri, hops });
  const maxDistance = Math.max(1, ...data.nodes.map((n) => n.distance));
  const elements = [
    ...data.nodes.map((n) => ({
      data: { id: n.iri, label: n.label || compact(n.iri), colour: TYPE_COLOURS[n.type] ?? "#7f7f7f", distance: n.distance },
      classes: n.iri === data.center.iri ? "center" : "",
    })),
    ...data.edges.map((e, i) => {
      const [source, target] = e.direction === "backward" ? [e.to.iri, e.from.iri] : [e.from.iri, e.to.iri];
      return { data: { id: `e${i}`, source, target, label: e.predicate ? compact(e.predicate) : "" },
               classes: [e.kind, e.inferred ? "inferred" : "", source !== data.center.iri && target !== data.center.iri ? "aside" : ""]
                 .filter(Boolean).join(" ") };
    }),
  ];
  if (container._cy) container._cy.destroy();
  const cy = cytoscape({
    container, elements, style: STYLE, minZoom: 0.2, maxZoom: 1.6,  // no giant nodes for a tiny neighbourhood
    // Rings by distance from the centre: the same graph always draws the same way.
    layout: { name: "concentric", concentric: (node) => maxDistance - node.data("distance"), levelWidth: () => 1,
              minNodeSpacing: 30, animate: false },
  });
  cy.on("tap", "node", (ev) => { if (ev.target.id() !== data.center.iri) location.hash = entityHref(ev.target.id()); });
  container._cy = cy;
  container.dataset.nodes = String(data.nodes.length);
  container.dataset.edges = String(data.edges.length);
  container.dataset.ready = "true";
}
