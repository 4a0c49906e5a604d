/* The status table's filter: show the controls (hidden without script), then hide rows that do not match. */
(function () {
  var box = document.getElementById('filters');
  if (!box) { return; }
  box.hidden = false;
  var q = document.getElementById('filter-text'), only = document.getElementById('filter-failed');
  function apply() {
    var t = q.value.trim().toLowerCase();
    var rows = document.querySelectorAll('#status-table tbody tr');
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = (!only.checked || r.getAttribute('data-status') === 'fail') &&
        (!t || r.textContent.toLowerCase().indexOf(t) >= 0);
      r.hidden = !ok;
    }
  }
  q.addEventListener('input', apply);
  only.addEventListener('change', apply);
})();
