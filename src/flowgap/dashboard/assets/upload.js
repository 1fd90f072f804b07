/* Uploads a person can follow.
 *
 * dcc.Upload reads every dropped file whole into the page's memory (as base64) and sends it in
 * one callback request. This script, loaded by Dash with the other assets:
 * - checks the size of the files (all together) against the server's limit before the browser
 *   reads them; over it, the files are never read and the server is told only their names and
 *   size (the dcc.Store "upload-refused"), so the page can name the limit;
 * - shows progress: reading the files in the browser, sending them (the upload callback's
 *   request goes through XMLHttpRequest, whose upload reports progress; every other request
 *   is left to fetch), then the time the server has been analysing them.
 * window.flowgapUpload.phases keeps what the progress panel showed, for the browser tests.
 */
(function () {
  "use strict";

  var state = (window.flowgapUpload = { phases: [] });
  var panel = null;
  var timer = null;
  var current = null; // {names, size, loaded: Map(file -> bytes read)}

  function mb(n) {
    return (n / 1e6).toFixed(1) + " MB";
  }

  function show(phase, text, fraction) {
    state.phases.push({ phase: phase, text: text, fraction: fraction });
    if (!panel) {
      panel = document.createElement("div");
      panel.id = "upload-progress";
      panel.className = "upload-progress";
      panel.setAttribute("role", "status");
      var label = document.createElement("div");
      label.className = "upload-progress-text";
      var bar = document.createElement("progress");
      bar.max = 1;
      panel.appendChild(label);
      panel.appendChild(bar);
      document.body.appendChild(panel);
    }
    panel.firstChild.textContent = text;
    var progress = panel.lastChild;
    if (fraction === null || fraction === undefined) {
      progress.removeAttribute("value");
    } else {
      progress.value = fraction;
    }
    document.body.classList.add("flowgap-uploading");
  }

  function finish() {
    state.phases.push({ phase: "done" });
    if (timer) {
      clearInterval(timer);
      timer = null;
    }
    if (panel) {
      panel.remove();
      panel = null;
    }
    current = null;
    document.body.classList.remove("flowgap-uploading");
  }

  function droppedFiles(event) {
    var target = event.target;
    if (!(target instanceof Element) || !target.closest("#upload-box")) {
      return null;
    }
    if (event.type === "change") {
      return target instanceof HTMLInputElement && target.type === "file" ? target.files : null;
    }
    return event.dataTransfer ? event.dataTransfer.files : null;
  }

  function check(event) {
    var files = droppedFiles(event);
    if (!files || !files.length) {
      return;
    }
    var box = document.getElementById("upload-box");
    var limit = Number(box.getAttribute("data-limit-bytes"));
    var names = [];
    var size = 0;
    for (var i = 0; i < files.length; i++) {
      names.push(files[i].name);
      size += files[i].size;
    }
    if (limit && size > limit) {
      // Never read: dcc.Upload does not see the event.
      event.preventDefault();
      event.stopImmediatePropagation();
      if (event.type === "change") {
        event.target.value = "";
      }
      state.phases.push({ phase: "refused", size: size, limit: limit });
      window.dash_clientside.set_props("upload-refused", {
        data: { names: names, size: size, at: Date.now() },
      });
      return;
    }
    current = { names: names.join(", "), size: size, loaded: new Map() };
    show("reading", "Reading " + current.names + " (" + mb(size) + ") in the browser", 0);
  }

  window.addEventListener("change", check, true);
  window.addEventListener("drop", check, true);

  // Reading: dcc.Upload reads each file with FileReader.readAsDataURL.
  var readAsDataURL = FileReader.prototype.readAsDataURL;
  FileReader.prototype.readAsDataURL = function (blob) {
    var upload = current;
    if (upload && blob && upload.size > 0) {
      this.addEventListener("progress", function (e) {
        if (current !== upload) {
          return;
        }
        upload.loaded.set(blob, e.loaded);
        var read = 0;
        upload.loaded.forEach(function (n) {
          read += n;
        });
        show(
          "reading",
          "Reading " + upload.names + ": " + mb(read) + " of " + mb(upload.size),
          read / upload.size
        );
      });
    }
    return readAsDataURL.call(this, blob);
  };

  // Sending and analysing: the callbacks that carry an upload, or that analyse one.
  var WATCHED = [
    { marker: '"upload.contents"', what: "upload" },
    { marker: '"mapping-apply.n_clicks"', what: "mapping" },
  ];

  function watched(url, init) {
    var body = init && init.body;
    if (typeof body !== "string" || String(url).indexOf("_dash-update-component") < 0) {
      return null;
    }
    for (var i = 0; i < WATCHED.length; i++) {
      if (body.indexOf(WATCHED[i].marker) >= 0) {
        return WATCHED[i].what === "mapping" && !clicked(body) ? null : WATCHED[i].what;
      }
    }
    return null;
  }

  // Dash also calls the mapping callback, with n_clicks 0, when the mapping panel is drawn
  // (prevent_initial_call does not hold for inputs a callback inserts): only a click analyses.
  function clicked(body) {
    try {
      return JSON.parse(body).inputs.some(function (input) {
        return input.id === "mapping-apply" && input.property === "n_clicks" && input.value > 0;
      });
    } catch (e) {
      return false;
    }
  }

  function analysing(names) {
    var started = Date.now();
    var tick = function () {
      var s = Math.round((Date.now() - started) / 1000);
      show("analysing", "Analysing " + names + " on the server: " + s + " s", null);
    };
    tick();
    timer = setInterval(tick, 1000);
  }

  function responseOf(xhr) {
    var headers = new Headers();
    xhr
      .getAllResponseHeaders()
      .trim()
      .split(/[\r\n]+/)
      .forEach(function (line) {
        var at = line.indexOf(":");
        if (at > 0) {
          try {
            headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
          } catch (e) {
            /* a header Headers refuses: not one Dash reads */
          }
        }
      });
    var empty = xhr.status === 204 || xhr.status === 304;
    return new Response(empty ? null : xhr.responseText, {
      status: xhr.status,
      statusText: xhr.statusText,
      headers: headers,
    });
  }

  function send(url, init, what) {
    var names = current ? current.names : "the file";
    var size = current ? current.size : 0;
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(init.method || "POST", String(url));
      var headers = new Headers(init.headers || {});
      headers.forEach(function (value, key) {
        xhr.setRequestHeader(key, value);
      });
      if (what === "upload") {
        xhr.upload.onprogress = function (e) {
          if (e.lengthComputable && e.total) {
            var part = e.loaded / e.total;
            var text = "Sending " + names + ": " + mb(part * size) + " of " + mb(size);
            show("sending", text, part);
          }
        };
        xhr.upload.onload = function () {
          analysing(names);
        };
      } else {
        analysing(names);
      }
      xhr.onload = function () {
        finish();
        resolve(responseOf(xhr));
      };
      xhr.onerror = xhr.onabort = function () {
        finish();
        reject(new TypeError("the upload could not be sent"));
      };
      xhr.send(init.body);
    });
  }

  var realFetch = window.fetch.bind(window);
  window.fetch = function (url, init) {
    var what = watched(url, init);
    // The upload callback also fires, empty, when the page is drawn: only a file is followed.
    if (!what || (what === "upload" && current === null)) {
      return realFetch(url, init);
    }
    if (what === "mapping") {
      var title = document.getElementById("mapping-title");
      current = { names: title ? title.getAttribute("data-file") : "the file", size: 0 };
    }
    return send(url, init, what);
  };
})();
