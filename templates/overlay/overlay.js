// The on-stream overlay: segment title, the lower third of the guest on air, the question on screen.
"use strict";

(function () {
  const G = window.Greenroom;
  let current = null;

  // Ticks between pushes: the countdown to a scheduled start runs on the server-synced clock.
  function renderStarting() {
    const starting = G.startingIn(current && current.show);
    document.getElementById("starting").hidden = !starting;
    G.setText("starting", starting || "");
  }

  function render(state) {
    current = state;
    renderStarting();
    const show = state.show || {};
    const live = show.status === "live";
    G.renderRehearsal(show);
    document.getElementById("segment").hidden = !(live && show.segment_title);
    G.setText("segment-title", live ? show.segment_title : "");

    const guest = state.guest_on_air;
    document.getElementById("lower-third").hidden = !guest;
    G.setText("guest-name", guest ? guest.name + (guest.pronouns ? " (" + guest.pronouns + ")" : "") : "");
    G.setText("guest-title", guest ? guest.title_or_handle || "" : "");
    document.getElementById("lower-third").setAttribute("data-text", state.lower_third || "");

    const question = state.question_on_screen;
    document.getElementById("question").hidden = !question;
    G.setText("question-text", question ? question.text : "");
    G.setText("question-author", question ? question.author + (question.platform ? " · " + question.platform : "") : "");
  }

  document.addEventListener("DOMContentLoaded", function () {
    G.connect("overlay", { onState: render });
    setInterval(renderStarting, 250);
  });
})();
