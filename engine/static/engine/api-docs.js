// Swagger UI draws the page after loading; this names the selects it leaves without a label (the
// response's media type, the servers), whenever it draws one.
(function () {
  "use strict";
  function name(root) {
    root.querySelectorAll("select:not([aria-label]):not([aria-labelledby])").forEach(function (select) {
      if (select.id && document.querySelector('label[for="' + select.id + '"]')) return;
      var box = select.closest(".response-control-media-type, .servers, .content-type-wrapper, .parameters-col_description, .body-param-content-type");
      var label = box && box.querySelector(".response-control-media-type__title, .servers-title, label");
      select.setAttribute("aria-label", (label && label.textContent.trim()) || "Choose a value");
    });
  }
  new MutationObserver(function () { name(document); }).observe(document.body, {childList: true, subtree: true});
  name(document);
})();
