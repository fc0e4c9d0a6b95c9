// The workbench works without this; it keeps the line numbers in step with the text as it changes,
// sizes the text to its longest line (the box around it scrolls), moves the caret to a problem's
// line and column when its link is followed, and warns before leaving with changes not saved as a
// draft (the server keeps the draft on Save draft, Check, Run tests and Simulate).
(function () {
  "use strict";
  var area = document.querySelector(".editor textarea");
  var gutter = document.querySelector(".editor .gutter");
  if (!area || !gutter) return;

  function lineCount() { return area.value.split("\n").length; }

  function renumber() {
    var want = lineCount();
    var have = gutter.children.length;
    for (var n = have + 1; n <= want; n++) {
      var li = document.createElement("li");
      li.id = "L" + n; li.dataset.line = String(n); li.textContent = String(n);
      gutter.appendChild(li);
    }
    for (var k = have; k > want; k--) gutter.removeChild(gutter.lastElementChild);
    area.rows = want + 1;
    var widest = 0;
    area.value.split("\n").forEach(function (line) { if (line.length > widest) widest = line.length; });
    area.cols = widest + 2;
  }

  var saved = area.value;
  var form = area.form;
  window.addEventListener("beforeunload", function (event) {
    if (area.value === saved) return;
    event.preventDefault();
    event.returnValue = "";  // older browsers want a value to ask
  });
  if (form) form.addEventListener("submit", function () { saved = area.value; });

  area.addEventListener("input", renumber);
  renumber();

  document.querySelectorAll("a.goto").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var line = parseInt(link.dataset.line, 10), column = parseInt(link.dataset.column, 10) || 1;
      if (!line) return;
      event.preventDefault();
      var lines = area.value.split("\n"), offset = 0;
      for (var i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
      offset += Math.min(column - 1, (lines[line - 1] || "").length);
      area.focus();
      area.setSelectionRange(offset, offset);
      var mark = document.getElementById("L" + line);
      if (mark) mark.scrollIntoView({block: "center"});
    });
  });
})();
