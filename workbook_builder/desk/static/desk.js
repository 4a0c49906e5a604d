/* The desk's little script: drag and drop of files and folders, the upload's progress, polling a
   running check, and sorting/filtering the results table. No framework, nothing from the net; every
   page works without it too (the form posts, the job page refreshes itself). */
(function () {
  "use strict";

  function $(sel) { return document.querySelector(sel); }

  // ---------------------------------------------------------------- the check form
  var form = $("#check-form");
  if (form) {
    var sizeText = function (n) {
      return n < 1048576 ? Math.max(1, Math.round(n / 1024)) + " KB" : (n / 1048576).toFixed(1) + " MB";
    };
    var filesInput = $("#files"), folderInput = $("#folder"), drop = $("#drop");
    var dropped = [];  // {file, path} from drag and drop

    var picked = function () {
      var out = [];
      Array.prototype.forEach.call(filesInput.files || [], function (f) { out.push({file: f, path: f.name}); });
      Array.prototype.forEach.call(folderInput.files || [], function (f) {
        out.push({file: f, path: f.webkitRelativePath || f.name});
      });
      return out.concat(dropped);
    };

    var refresh = function () {
      var all = picked(), holder = $("#paths");
      holder.textContent = "";
      all.forEach(function (p) {
        var h = document.createElement("input");
        h.type = "hidden"; h.name = "paths"; h.value = p.path;
        holder.appendChild(h);
      });
      var size = all.reduce(function (s, p) { return s + p.file.size; }, 0);
      $("#chosen").textContent = all.length
        ? "已选择 " + all.length + " 个文件，共 " + sizeText(size)
        : "还没有选择文件";
    };
    filesInput.addEventListener("change", refresh);
    folderInput.addEventListener("change", refresh);

    var readAll = function (reader, done, acc) {
      acc = acc || [];
      reader.readEntries(function (entries) {  // a folder is read in batches until one comes back empty
        if (!entries.length) { done(acc); return; }
        readAll(reader, done, acc.concat(Array.prototype.slice.call(entries)));
      }, function () { done(acc); });
    };
    var walk = function (entry, waiting) {
      waiting.n += 1;
      var finish = function () { waiting.n -= 1; if (!waiting.n) { waiting.done(); } };
      if (entry.isFile) {
        entry.file(function (f) {
          dropped.push({file: f, path: entry.fullPath.replace(/^\//, "")});
          finish();
        }, finish);
      } else if (entry.isDirectory) {
        readAll(entry.createReader(), function (entries) {
          entries.forEach(function (e) { walk(e, waiting); });
          finish();
        });
      } else { finish(); }
    };

    ["dragenter", "dragover"].forEach(function (name) {
      drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      drop.classList.remove("over");
      var items = e.dataTransfer.items, waiting = {n: 1, done: refresh};
      if (items && items.length && items[0].webkitGetAsEntry) {
        Array.prototype.forEach.call(items, function (item) {
          var entry = item.webkitGetAsEntry && item.webkitGetAsEntry();
          if (entry) { walk(entry, waiting); }
        });
      } else {
        Array.prototype.forEach.call(e.dataTransfer.files, function (f) { dropped.push({file: f, path: f.name}); });
      }
      waiting.n -= 1;
      if (!waiting.n) { refresh(); }
    });

    form.addEventListener("submit", function (e) {
      var all = picked();
      if (!window.FormData || !window.XMLHttpRequest) { return; }  // the plain form post
      e.preventDefault();
      if (!all.length) { $("#chosen").textContent = "请先选择或拖入要检查的文件"; return; }
      var maxBytes = +form.getAttribute("data-max-bytes") || 0;
      var total = all.reduce(function (s, p) { return s + p.file.size; }, 0);
      if (maxBytes && total > maxBytes) {  // the desk would refuse it: say so before a long upload
        $("#chosen").textContent = "一次最多上传 " + sizeText(maxBytes) + "，这次选了 " + sizeText(total) +
          "。请分几次上传。";
        return;
      }
      var data = new FormData(form);
      data.delete("files"); data.delete("paths");
      all.forEach(function (p) { data.append("files", p.file, p.file.name); data.append("paths", p.path); });
      var xhr = new XMLHttpRequest(), bar = $("#upload-progress"), text = $("#upload-text");
      $("#upload").hidden = false;
      $("#start").disabled = true;
      xhr.upload.addEventListener("progress", function (ev) {
        if (ev.lengthComputable) {
          bar.value = Math.round(ev.loaded / ev.total * 100);
          text.textContent = "正在上传：" + bar.value + "%";
        }
      });
      xhr.upload.addEventListener("load", function () { text.textContent = "上传完毕，正在准备检查…"; });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400 && /\/check\/[^/]+$/.test(xhr.responseURL)) {
          window.location.href = xhr.responseURL;
        } else {  // the desk's own page saying what went wrong
          document.open(); document.write(xhr.responseText); document.close();
        }
      });
      xhr.addEventListener("error", function () {
        text.textContent = "上传没有成功：工作台没有回应。请确认它还在运行，再试一次。";
        $("#start").disabled = false;
      });
      xhr.open("POST", form.getAttribute("action"));
      xhr.send(data);
    });
    refresh();
  }

  // ---------------------------------------------------------------- a running check
  var running = $("#running");
  if (running) {
    var poll = function () {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", running.getAttribute("data-status"));
      xhr.addEventListener("load", function () {
        var s = null;
        try { s = JSON.parse(xhr.responseText); } catch (err) { s = null; }
        if (!s) { setTimeout(poll, 2000); return; }
        var bar = $("#progress");
        bar.max = s.total || 1; bar.value = s.done;
        $("#progress-text").textContent = s.message;
        if (s.state === "done" || s.state === "failed") { window.location.reload(); } else { setTimeout(poll, 700); }
      });
      xhr.addEventListener("error", function () { setTimeout(poll, 2000); });
      xhr.send();
    };
    setTimeout(poll, 300);
  }

  // ---------------------------------------------------------------- sortable, filterable tables
  Array.prototype.forEach.call(document.querySelectorAll("table.grid"), function (table) {
    var heads = table.querySelectorAll("th[data-sort]");
    Array.prototype.forEach.call(heads, function (th) {
      th.addEventListener("click", function () {
        var index = Array.prototype.indexOf.call(th.parentNode.children, th);
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
        var number = th.getAttribute("data-sort") === "number";
        var key = function (row) {
          var t = row.cells[index] ? row.cells[index].textContent.trim() : "";
          return number ? (parseFloat(t) || 0) : t;
        };
        rows.sort(function (a, b) {
          var x = key(a), y = key(b);
          var c = number ? x - y : String(x).localeCompare(String(y), "zh-CN");
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });

  var filter = $("#filter"), verdict = $("#verdict-filter"), results = $("#results");
  if (results && (filter || verdict)) {
    var apply = function () {
      var text = filter ? filter.value.trim().toLowerCase() : "", want = verdict ? verdict.value : "", shown = 0;
      Array.prototype.forEach.call(results.tBodies[0].rows, function (row) {
        var cellText = (row.querySelector("td.unit").textContent + " " + row.querySelector("td.file").textContent).toLowerCase();
        var ok = (!text || cellText.indexOf(text) >= 0) && (!want || row.querySelector("td.verdict").textContent.trim() === want);
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      var count = $("#shown-count");
      if (count) { count.textContent = "显示 " + shown + " / " + results.tBodies[0].rows.length + " 个文件"; }
    };
    if (filter) { filter.addEventListener("input", apply); }
    if (verdict) { verdict.addEventListener("change", apply); }
    apply();
  }
})();
