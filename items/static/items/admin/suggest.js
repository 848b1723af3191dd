/*
 * The admin's item search box offers the API's suggestions as staff type.
 *
 * Each pause in typing asks GET <data-suggest-url>?q=<text> with the staff's session (same
 * origin, no token), and lists the answers under the box: the typed prefix is marked in each
 * (the server sends that HTML escaped). A click, or the arrow keys and Enter, puts a suggestion
 * in the box and searches for it; Escape closes the list. An answer to an older prefix than
 * the box now holds is dropped.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.dataset.suggestUrl;
  var DELAY_MS = 120;

  function start() {
    var box = document.getElementById("searchbar");
    if (!box || !url) {
      return;
    }
    var form = box.form;
    var list = document.createElement("ul");
    list.id = "searchbar-suggestions";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    box.setAttribute("autocomplete", "off");
    box.setAttribute("aria-controls", list.id);
    box.setAttribute("aria-autocomplete", "list");
    box.insertAdjacentElement("afterend", list);
    var timer = null;
    var asked = 0;
    var chosen = -1;

    function close() {
      list.hidden = true;
      list.replaceChildren();
      chosen = -1;
    }

    function pick(text) {
      box.value = text;
      close();
      form.submit();
    }

    function show(suggestions) {
      list.replaceChildren();
      chosen = -1;
      suggestions.forEach(function (suggestion, index) {
        var option = document.createElement("li");
        option.setAttribute("role", "option");
        option.id = "searchbar-suggestion-" + index;
        option.dataset.text = suggestion.text;
        option.innerHTML = suggestion.html; // escaped by the server; only <mark> is markup
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = suggestion.kind === "word" ? "word" : "item";
        option.appendChild(kind);
        option.addEventListener("mousedown", function (event) {
          event.preventDefault(); // keep the focus in the box
          pick(suggestion.text);
        });
        list.appendChild(option);
      });
      list.hidden = suggestions.length === 0;
    }

    function ask() {
      var prefix = box.value.trim();
      var ticket = ++asked;
      if (!prefix) {
        close();
        return;
      }
      fetch(url + "?q=" + encodeURIComponent(prefix), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : { suggestions: [] };
        })
        .then(function (body) {
          if (ticket === asked) {
            show(body.suggestions || []);
          }
        })
        .catch(close);
    }

    function highlight(step) {
      var options = list.querySelectorAll("li");
      if (!options.length) {
        return;
      }
      chosen = (chosen + step + options.length) % options.length;
      options.forEach(function (option, index) {
        option.setAttribute("aria-selected", index === chosen ? "true" : "false");
      });
      box.setAttribute("aria-activedescendant", options[chosen].id);
    }

    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, DELAY_MS);
    });
    box.addEventListener("keydown", function (event) {
      if (list.hidden) {
        return;
      }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(event.key === "ArrowDown" ? 1 : -1);
      } else if (event.key === "Enter" && chosen >= 0) {
        event.preventDefault();
        pick(list.querySelectorAll("li")[chosen].dataset.text);
      } else if (event.key === "Escape") {
        close();
      }
    });
    box.addEventListener("blur", function () {
      setTimeout(close, 150);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
