// Evidence cards, one per source: an image with the mention boxes drawn over it, an
// audio or video player that starts at the mention's time range, text with the mention
// highlighted. The card is chosen by the source's media type, so OCR mentions (boxes on
// an image plus text) and future modalities render with the same pieces.
import { fmtNum, h } from "./dom.js";

function snippetView(m) {
  const s = m.snippet;
  if (!s) return null;
  return h("blockquote", { class: "snippet", "data-mention": m.iri },
    s.clipped_before ? "…" : "", s.before, h("mark", {}, s.match), s.after, s.clipped_after ? "…" : "");
}

function mentionMeta(m) {
  const sel = m.selectors;
  const parts = [`“${m.text}”`, m.label];
  if (m.confidence !== null && m.confidence !== undefined) parts.push(`confidence ${fmtNum(m.confidence)}`);
  if (sel.char) parts.push(`chars ${sel.char[0]}–${sel.char[1]}`);
  for (const frag of sel.fragments) if (!frag.includes("&")) parts.push(frag);
  if (sel.frames?.length) parts.push(`boxes in ${sel.frames.length} frame${sel.frames.length === 1 ? "" : "s"}`);
  return h("span", { class: "meta muted" }, parts.filter(Boolean).join(" · "));
}

function unavailable(source) {
  return h("p", { class: "unavailable" }, `The file ${source.path} is not available: it moved or changed since the build.`);
}

function boxGroup(box, m) {
  const [x, y, w, ht] = box;
  return h("g", { class: "box-group" },
    h("rect", { class: "box", x, y, width: w, height: ht, "data-mention": m.iri, "vector-effect": "non-scaling-stroke" },
      h("title", {}, `${m.text} ${fmtNum(m.confidence)} — ${m.selectors.fragments.join(" ")}`)),
    h("text", { class: "box-label", x: x + 4, y: y + 4, "dominant-baseline": "hanging" },
      `${m.text}${m.confidence != null ? " " + fmtNum(m.confidence) : ""}`));
}

// The boxes are in the original media's pixels; the viewBox maps them onto the shown size.
function overlay(aspect = "none") {
  const svg = h("svg", { class: "overlay", preserveAspectRatio: aspect, "aria-label": "detected regions" });
  svg.fit = (w, ht) => {
    if (!w || !ht) return;
    svg.setAttribute("viewBox", `0 0 ${w} ${ht}`);
    svg.dataset.font = (Math.max(w, ht) / 28).toFixed(1);
    for (const label of svg.querySelectorAll("text")) label.setAttribute("font-size", svg.dataset.font);
  };
  svg.draw = (groups) => {
    svg.replaceChildren(...groups);
    for (const label of svg.querySelectorAll("text")) if (svg.dataset.font) label.setAttribute("font-size", svg.dataset.font);
  };
  return svg;
}

function imageCard(source, mentions) {
  const img = h("img", { src: source.url, alt: source.path, loading: "lazy" });
  const svg = overlay();
  svg.draw(mentions.filter((m) => m.selectors.box).map((m) => boxGroup(m.selectors.box, m)));
  svg.fit(source.width, source.height);
  img.addEventListener("load", () => svg.fit(img.naturalWidth, img.naturalHeight));
  return [
    source.url ? h("div", { class: "frame" }, img, svg) : unavailable(source),
    h("ul", { class: "mentions" }, mentions.map((m) => h("li", {}, mentionMeta(m), snippetView(m)))),
  ];
}

// A tracked object in a video: its box in each sampled frame, shown while that frame is.
function trackOverlay(player, source, mentions) {
  const frames = mentions.flatMap((m) => m.selectors.frames.map((f) => ({ ...f, m })));
  if (!frames.length) return player;
  const svg = overlay("xMidYMid meet");  // the video is letterboxed the same way
  svg.fit(source.width, source.height);
  player.addEventListener("loadedmetadata", () => svg.fit(player.videoWidth, player.videoHeight));
  const draw = () => {
    const t = player.currentTime;
    svg.draw(frames.filter((f) => f.time[0] <= t && t < (f.time[1] ?? Infinity)).map((f) => boxGroup(f.box, f.m)));
  };
  for (const event of ["timeupdate", "seeked", "loadeddata"]) player.addEventListener(event, draw);
  return h("div", { class: "frame video" }, player, svg);
}

function playerCard(source, mentions, kind) {
  const timed = mentions.filter((m) => m.selectors.time);
  if (!source.url) return [unavailable(source), h("ul", { class: "mentions" }, mentions.map((m) => h("li", {}, mentionMeta(m), snippetView(m))))];
  const [start, end] = timed[0]?.selectors.time ?? [0, null];
  // The media fragment starts (and stops) the player at the mention; currentTime is set
  // too, for browsers that ignore fragments on some formats.
  const player = h(kind, { class: "player", controls: true, preload: "metadata",
                           src: `${source.url}#t=${start}${end != null ? "," + end : ""}`,
                           "data-start": start, "data-end": end ?? "" });
  let stopAt = end;
  player.addEventListener("loadedmetadata", () => {
    if (player.currentTime < start - 0.05 || player.currentTime > start + 0.05) player.currentTime = start;
  }, { once: true });
  player.addEventListener("timeupdate", () => {
    if (stopAt != null && player.currentTime >= stopAt) { player.pause(); stopAt = null; }
  });
  const playFrom = (m) => () => {
    const [a, b] = m.selectors.time;
    player.currentTime = a;
    stopAt = b;
    player.play().catch(() => {});
  };
  return [
    kind === "video" ? trackOverlay(player, source, mentions) : player,
    h("ul", { class: "mentions" }, mentions.map((m) => h("li", {},
      m.selectors.time
        ? h("button", { class: "play", type: "button", "data-start": m.selectors.time[0], onclick: playFrom(m) },
            `▶ ${fmtNum(m.selectors.time[0])}–${fmtNum(m.selectors.time[1])} s`)
        : null,
      " ", mentionMeta(m), snippetView(m)))),
  ];
}

function textCard(source, mentions) {
  return [h("ul", { class: "mentions" }, mentions.map((m) => h("li", {}, mentionMeta(m),
    snippetView(m) ?? h("p", { class: "muted" }, source.available ? "No text at these offsets." : "The file is not available.")))),
    source.url ? h("a", { class: "open-file", href: source.url, target: "_blank", rel: "noopener" }, "open the file") : null];
}

export function sourceCard(modality, mentions) {
  const source = mentions[0].source;
  const type = source.media_type || "";
  const body = type.startsWith("image/") ? imageCard(source, mentions)
    : type.startsWith("audio/") ? playerCard(source, mentions, "audio")
    : type.startsWith("video/") ? playerCard(source, mentions, "video")
    : textCard(source, mentions);
  return h("article", { class: `evidence ${modality}`, "data-sha256": source.sha256, "data-modality": modality },
    h("header", {}, h("strong", { class: "path" }, source.path), h("span", { class: "muted" }, ` ${type}`),
      mentions.length > 1 ? h("span", { class: "muted" }, ` · ${mentions.length} mentions`) : null),
    body);
}

export function evidenceSection(modality, mentions) {
  const bySource = new Map();
  for (const m of mentions) {
    if (!bySource.has(m.sha256)) bySource.set(m.sha256, []);
    bySource.get(m.sha256).push(m);
  }
  return h("section", { class: "modality", "data-modality": modality },
    h("h3", {}, `${modality[0].toUpperCase()}${modality.slice(1)} `, h("span", { class: "muted" }, `(${mentions.length})`)),
    h("div", { class: "cards" }, [...bySource.values()].map((ms) => sourceCard(modality, ms))));
}
