// A tiny element builder: text always goes in as text nodes, never as HTML, because
// labels and snippets come from the corpus and must not be able to inject markup.
const SVG_NS = "http://www.w3.org/2000/svg";
const SVG_TAGS = new Set(["svg", "rect", "text", "g", "title"]);

export function h(tag, attrs = {}, ...children) {
  const el = SVG_TAGS.has(tag) ? document.createElementNS(SVG_NS, tag) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export const PREFIXES = {
  kg: "https://w3id.org/kgbuild/ns#",
  kgid: "https://w3id.org/kgbuild/id/",
  rdf: "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
  rdfs: "http://www.w3.org/2000/01/rdf-schema#",
  xsd: "http://www.w3.org/2001/XMLSchema#",
  prov: "http://www.w3.org/ns/prov#",
  oa: "http://www.w3.org/ns/oa#",
  dcterms: "http://purl.org/dc/terms/",
  schema: "http://schema.org/",
};
// Shown compacted but not declared in the editor's example query: only for display.
const DISPLAY_PREFIXES = { ...PREFIXES, open: "https://w3id.org/kgbuild/open#" };

export function compact(iri) {
  if (!iri) return "";
  for (const [prefix, ns] of Object.entries(DISPLAY_PREFIXES)) {
    if (iri.startsWith(ns)) return `${prefix}:${iri.slice(ns.length)}`;
  }
  return iri;
}

export const isEntity = (iri) => typeof iri === "string" && iri.startsWith(PREFIXES.kgid + "entity/");
export const entityHref = (iri) => `#/entity?iri=${encodeURIComponent(iri)}`;

export function fmtNum(x, digits = 2) {
  if (x === null || x === undefined) return "";
  return Number.isInteger(x) ? String(x) : Number(x).toFixed(digits);
}

export function typeBadge(type) {
  return type ? h("span", { class: "badge type", "data-type": type }, type) : null;
}

export function errorBox(message) {
  return h("div", { class: "error", role: "alert" }, message);
}
