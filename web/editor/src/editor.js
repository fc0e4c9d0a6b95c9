// The workbench's rule editor. It enhances the page's textarea, which stays the form field: every
// edit is copied into it, so Save draft, Check, Run tests, Simulate and Activate post what is
// typed, and workbench.js still warns before leaving with changes not saved. Without this bundle
// (or without JavaScript) the textarea works on its own.
//
// Completion comes from the ruleset's JSON Schema, embedded in the page (#ruleset-schema): the keys
// valid at the cursor's place in the document, enum values, and each one's description.
import {EditorView, basicSetup} from "codemirror";
import {EditorState, RangeSet, StateField} from "@codemirror/state";
import {Decoration, GutterMarker, gutterLineClass, hoverTooltip, keymap} from "@codemirror/view";
import {indentWithTab} from "@codemirror/commands";
import {yaml, yamlLanguage} from "@codemirror/lang-yaml";
import {stateExtensions} from "codemirror-json-schema";
import {yamlCompletion, yamlSchemaHover} from "codemirror-json-schema/yaml";

const badMarker = new (class extends GutterMarker {
  elementClass = "bad";
})();
const badLineDecoration = Decoration.line({class: "cm-bad-line"});

// The lines the server's check marked, moved along as the text changes above them.
function badLines(lines) {
  return StateField.define({
    create(state) {
      const valid = lines.filter((n) => n >= 1 && n <= state.doc.lines).sort((a, b) => a - b);
      const starts = valid.map((n) => state.doc.line(n).from);
      return {
        lines: Decoration.set(starts.map((from) => badLineDecoration.range(from))),
        gutter: RangeSet.of(starts.map((from) => badMarker.range(from))),
      };
    },
    update(value, tr) {
      if (!tr.docChanged) return value;
      return {lines: value.lines.map(tr.changes), gutter: value.gutter.map(tr.changes)};
    },
    provide: (field) => [
      EditorView.decorations.from(field, (value) => value.lines),
      gutterLineClass.from(field, (value) => value.gutter),
    ],
  });
}

// The look of the page's own editor box (site.css): its height, border, font and the marked lines.
const look = EditorView.theme({
  "&": {height: "70vh", minHeight: "14rem", resize: "vertical", overflow: "hidden", border: "1px solid var(--line, #8a8a8a)",
        borderRadius: "6px", background: "var(--bg, #fff)", fontSize: ".85rem"},
  ".cm-scroller": {fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace', lineHeight: "1.5"},
  "&.cm-focused": {outline: "3px solid var(--focus, #1a5fb4)", outlineOffset: "-3px"},
  ".cm-gutters": {background: "var(--soft, #f2f2f2)", color: "var(--muted, #555)"},
  ".cm-lineNumbers .cm-gutterElement.bad": {background: "var(--bad, #b3261e)", color: "#fff", fontWeight: "700", borderRadius: "3px"},
  ".cm-lineNumbers .cm-gutterElement.bad::before": {content: '"! "'},
  ".cm-bad-line": {background: "rgba(179, 38, 30, .08)"},
  ".cm-tooltip": {color: "#1b1b1b", background: "#fff"},
  ".cm-completionDetail": {color: "#444"},
  ".cm-tooltip.cm-tooltip-autocomplete > ul > li[aria-selected]": {background: "#1a5fb4", color: "#fff"},
});

// Optional sections and keys come from the server as `anyOf: [<the shape>, {type: null}]`. The
// completion library does not look inside such an anyOf, so for completion (only) each one is
// read as its shape: `null` is never worth offering.
function withoutNullAlternatives(node) {
  if (Array.isArray(node)) return node.map(withoutNullAlternatives);
  if (!node || typeof node !== "object") return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) out[key] = withoutNullAlternatives(value);
  if (Array.isArray(out.anyOf)) {
    const shapes = out.anyOf.filter((alt) => !(alt && alt.type === "null"));
    if (shapes.length === 1 && shapes.length < out.anyOf.length) {
      delete out.anyOf;
      if (out.default === null) delete out.default;
      return {...shapes[0], ...out};
    }
  }
  return out;
}

function schemaOf(doc) {
  const node = doc.getElementById("ruleset-schema");
  if (!node) return null;
  try {
    return withoutNullAlternatives(JSON.parse(node.textContent));
  } catch (error) {
    return null;
  }
}

function enhance(doc) {
  const area = doc.querySelector(".editor textarea");
  const box = area && area.closest(".editor");
  if (!area || !box || box.dataset.enhanced) return null;
  box.dataset.enhanced = "true";
  const label = doc.querySelector(`label[for="${area.id}"]`);
  const bad = Array.from(box.querySelectorAll(".gutter li.bad"), (li) => parseInt(li.dataset.line, 10));
  const schema = schemaOf(doc);

  const content = {tabindex: "0", "aria-multiline": "true", autocapitalize: "off", autocorrect: "off", spellcheck: "false"};
  if (label) content["aria-label"] = label.textContent.trim();
  for (const name of ["aria-invalid", "aria-describedby"]) {
    if (area.hasAttribute(name)) content[name] = area.getAttribute(name);
  }

  const extensions = [
    basicSetup,
    // Tab indents; Escape then Tab moves on, so the keyboard is never trapped (CodeMirror's tab focus mode).
    keymap.of([indentWithTab]),
    yaml(),
    EditorState.tabSize.of(2),
    look,
    EditorView.contentAttributes.of(content),
    badLines(bad),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) area.value = update.state.doc.toString();
    }),
  ];
  if (schema) {
    extensions.push(
      stateExtensions(schema),
      yamlLanguage.data.of({autocomplete: yamlCompletion()}),
      hoverTooltip(yamlSchemaHover()),
    );
  }

  const host = doc.createElement("div");
  host.className = "cm-host" + (bad.length ? " has-issues" : "");
  box.after(host);
  const view = new EditorView({doc: area.value, extensions, parent: host});
  // The textarea keeps posting the text; only its look is replaced.
  box.style.display = "none";
  if (label) label.addEventListener("click", () => view.focus());

  // A problem's link puts the caret on its line and column.
  doc.querySelectorAll("a.goto").forEach((link) => {
    link.addEventListener("click", (event) => {
      const line = parseInt(link.dataset.line, 10);
      const column = parseInt(link.dataset.column, 10) || 1;
      if (!line || line > view.state.doc.lines) return;
      event.preventDefault();
      const target = view.state.doc.line(line);
      const at = target.from + Math.min(column - 1, target.length);
      view.dispatch({selection: {anchor: at}, scrollIntoView: true});
      view.focus();
    });
  });
  return view;
}

window.plauditEditor = {enhance};
if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", () => enhance(document));
} else {
  enhance(document);
}
