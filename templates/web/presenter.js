// The host's view: big countdown, prompt, talking points, what's next and the producer's message.
"use strict";

(function () {
  const G = window.Greenroom;
  let state = null;

  const drawn = {};

  // Lists are rebuilt only when they change (state is pushed often).
  function fillList(id, items) {
    const key = JSON.stringify(items || []);
    if (drawn[id] === key) return;
    drawn[id] = key;
    G.replaceChildren(document.getElementById(id), (items || []).map(function (item) {
      return G.el("li", { text: item });
    }));
  }

  function renderTimer() {
    const show = state && state.show;
    if (!show) return;
    const timing = G.liveTiming(show);
    if (show.status === "live" && show.current !== null) {
      G.setText("countdown", G.formatCountdown(timing.remaining));
      G.setText("offset", G.formatOffset(timing.offset));
    } else {
      G.setText("countdown", show.status === "ended" ? "The end" : G.startingIn(show) || "Ready");
      G.setText("offset", show.status === "ended" ? G.formatOffset(timing.offset) : "—");
    }
    let upcoming = "";
    if (show.next_prompt && show.status === "live") {
      const inMs = show.next_prompt_in_ms === null ? null : show.next_prompt_in_ms - (timing.elapsed - show.elapsed_ms);
      upcoming = (inMs === null ? "Then: " : "In " + G.formatClock(Math.max(0, inMs) + 999) + ": ") + show.next_prompt;
    }
    G.setText("next-prompt", upcoming);
    const phase = timing.phase || "none";
    if (document.body.getAttribute("data-phase") !== phase) document.body.setAttribute("data-phase", phase);
  }

  function render(newState) {
    state = newState;
    const show = state.show || {};
    G.setText("segment-title", show.segment_title || show.title || "");
    G.setText("prompt", show.prompt || "");
    G.setText("next-segment", show.next_segment_title || "—");
    document.getElementById("held").hidden = !show.held;
    G.renderRehearsal(show);
    fillList("talking-points", show.talking_points);

    const guest = state.guest_on_air;
    document.getElementById("guest-card").hidden = !guest;
    G.setText("guest", state.lower_third || "");
    fillList("guest-points", guest ? guest.talking_points : []);

    const message = state.message;
    const box = document.getElementById("message");
    box.hidden = !(message && message.text);
    G.setText("message", message && message.text ? message.text : "");
    box.classList.toggle("blink", Boolean(message && message.blink));

    const question = state.question_on_screen;
    G.setText("question", question ? "Q: " + question.text + " — " + question.author : "");
    renderTimer();
  }

  document.addEventListener("DOMContentLoaded", function () {
    G.connect("presenter", { onState: render });
    // Double-click (or double-tap) for full screen on a tablet; OBS projectors are full screen already.
    document.addEventListener("dblclick", function () {
      if (document.fullscreenElement) document.exitFullscreen();
      else if (document.documentElement.requestFullscreen) document.documentElement.requestFullscreen();
    });
    setInterval(renderTimer, 100);
  });
})();
