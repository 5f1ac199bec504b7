// Progressive enhancement only: every page works without this file.
// Changing the sort or the copies toggle re-runs the search without a click.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.search .autosubmit").forEach(function (el) {
    el.addEventListener("change", function () { el.form.submit(); });
  });
});
