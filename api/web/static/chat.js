/* Sends an answer without reloading the page: the form is posted as it would be without
   script, and the conversation the server answers with replaces the old one. Without this
   file every form still works (post, then redirect). Plain ES5 for older in-app browsers. */
(function () {
  "use strict";
  var clicked = null;

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.id === "copy") {
      copy(target.getAttribute("data-copy"));
      return;
    }
    clicked = target && target.tagName === "BUTTON" ? target : null;
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-async") || !window.fetch) {
      return;
    }
    event.preventDefault();
    var body = fields(form, event.submitter || clicked);
    var buttons = document.querySelectorAll("#conversation button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = true;
    }
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {"Content-Type": "application/x-www-form-urlencoded", "X-Requested-With": "fetch"}
    }).then(function (response) {
      if (!response.ok) {
        throw new Error(String(response.status));
      }
      var go = response.headers.get("X-Go");
      if (go && go.charAt(0) === "/") {
        window.location.assign(go);  // submitted: on to the need's status page
        return null;
      }
      return response.text();
    }).then(function (html) {
      if (html === null) {
        return;
      }
      var conversation = document.getElementById("conversation");
      conversation.innerHTML = html;
      var last = conversation.querySelector(".messages li:last-child");
      if (last && last.scrollIntoView) {
        last.scrollIntoView({block: "start"});
      }
    }).catch(function () {
      window.location.assign("/q");  // the page as the server has it now
    });
  });

  function fields(form, submitter) {
    var parts = [];
    var elements = form.elements;
    for (var i = 0; i < elements.length; i++) {
      var element = elements[i];
      if (element.name && element.tagName === "INPUT") {
        parts.push(pair(element.name, element.value));
      }
    }
    if (submitter && submitter.name) {
      parts.push(pair(submitter.name, submitter.value));
    }
    return parts.join("&");
  }

  function pair(name, value) {
    return encodeURIComponent(name) + "=" + encodeURIComponent(value);
  }

  function copy(text) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text);
    }
  }
})();
