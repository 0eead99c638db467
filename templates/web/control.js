// The producer panel: sends actions over the page's one websocket, renders every pushed state.
"use strict";

(function () {
  const G = window.Greenroom;
  const TOKEN_KEY = "greenroom-control-token";
  // A guest button is named after what it does from the guest's current status: "Check in" must never be
  // the button that takes an on-air guest off air. The steps offered are the server's (next_statuses).
  const GUEST_STEP_LABELS = {
    invited: { default: "Back to invited" },
    confirmed: { default: "Confirm", no_show: "Arrived late: confirm", in_green_room: "Back to confirmed" },
    in_green_room: { default: "Check in", on_air: "Off air (to green room)", done: "Back to green room",
      no_show: "Arrived: check in" },
    on_air: { default: "Put on air", done: "Back on air (encore)" },
    done: { default: "Done", on_air: "Off air (done)" },
    no_show: { default: "No-show" },
  };
  const NAVIGATION = ["show.start", "show.next", "show.back", "show.skip", "show.jump", "show.undo", "show.end",
    "show.hold", "show.resume", "show.extend", "show.shorten"];
  const CONFIRM_SHOWN_MS = 5000;
  // Mirrors livekit.questions.core: which moderation steps each status allows.
  const QUESTION_ACTIONS = {
    pending: ["approve", "show", "answer", "reject"],
    approved: ["show", "answer", "reject"],
    on_screen: ["hide", "answer"],
    rejected: ["approve"],
    answered: [],
  };
  let state = null;
  let connection = null;

  // The token arrives once in the URL fragment (never sent to the server, so never in a log), then
  // lives in this tab's sessionStorage and is removed from the address bar.
  function takeTokenFromFragment() {
    const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (match) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
      history.replaceState(null, "", location.pathname + location.search);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function showLogin(message) {
    document.getElementById("login").hidden = false;
    document.getElementById("panel").hidden = true;
    G.setText("login-error", message || "");
  }

  function showError(message) {
    G.setText("action-error", message || "");
  }

  function guestStepLabel(from, to) {
    const labels = GUEST_STEP_LABELS[to] || {};
    return labels[from] || labels.default || to;
  }

  // Where this page believes the show is: a show action says so (expect), and the server refuses it
  // (409, nothing changes) if the show has moved on meanwhile, so a lagging page can never skip twice.
  function expected() {
    const show = (state && state.show) || {};
    if (show.status === "ready") return "ready";
    return show.current === null || show.current === undefined ? null : show.current;
  }

  let confirmTimer = null;

  function askToConfirm(result) {
    const bar = document.getElementById("confirm-end");
    G.setText("confirm-end-text", result.error || "End the show?");
    bar.hidden = false;
    clearTimeout(confirmTimer);
    confirmTimer = setTimeout(hideConfirm, CONFIRM_SHOWN_MS);
  }

  function hideConfirm() {
    clearTimeout(confirmTimer);
    document.getElementById("confirm-end").hidden = true;
  }

  async function act(action, params) {
    const sent = Object.assign({}, params || {});
    if (NAVIGATION.indexOf(action) >= 0 && sent.expect === undefined && expected() !== null) sent.expect = expected();
    const result = await connection.act(action, sent);
    if (!result.ok && result.code === "confirm") {
      showError("");
      askToConfirm(result);
    } else {
      showError(result.ok ? "" : result.error);
    }
    return result;
  }

  // --- rendering ---------------------------------------------------------------------------------
  function renderTimers() {
    const show = state && state.show;
    if (!show) return;
    const timing = G.liveTiming(show);
    const countdown = document.getElementById("countdown");
    if (show.status === "live" && show.current !== null) {
      G.setText("countdown", G.formatCountdown(timing.remaining));
      G.setText("elapsed", G.formatClock(timing.elapsed));
      G.setText("allotted", G.formatClock(show.allotted_ms));
    } else {
      G.setText("countdown", show.status === "ended" ? "ended" : G.startingIn(show) || "ready");
      G.setText("elapsed", "0:00");
      G.setText("allotted", "0:00");
    }
    countdown.setAttribute("data-phase", timing.phase || "none");
    G.setText("offset", show.status === "ready" ? "—" : G.formatOffset(timing.offset));
    renderEnd(show, timing);
    // Derived numbers tick here between pushes, like the countdown.
    G.setText("show-elapsed", G.formatClock(timing.showElapsed));
    renderActuals(show.segments || [], show.current, timing.segmentSince);
    const undo = document.getElementById("btn-undo");
    const undoable = typeof show.undo_until_ms === "number" && show.undo_until_ms > G.serverNow();
    if (undo.disabled === undoable) undo.disabled = !undoable;
  }

  // A clock time ("18:52") in the zone the show was planned in (the browser's own zone when unscheduled).
  function clockTime(ms, zone) {
    const options = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    if (zone) options.timeZone = zone;
    return new Intl.DateTimeFormat("en-GB", options).format(new Date(ms));
  }

  // When the show is expected to end (livekit.core.schedule.expected_end_ms): live, the show's own expected
  // end plus what it has run over since the last push; before the start, the planned start (or now, once
  // that has passed) plus the rundown's total. And the distance to the hard out, as ontime shows it.
  function renderEnd(show, timing) {
    let end = null;
    if (show.status === "live" && typeof show.expected_end_ms === "number") {
      end = show.expected_end_ms + (timing.offset - show.offset_ms);
    } else if (show.status === "ready") {
      const start = typeof show.scheduled_start_ms === "number" ? Math.max(show.scheduled_start_ms, G.serverNow()) : G.serverNow();
      end = start + (show.planned_total_ms || 0);
    } else if (typeof show.ended_at_ms === "number") {
      end = show.ended_at_ms;
    }
    G.setText("expected-end", end === null ? "—" : clockTime(end, show.timezone));
    const hardOut = show.hard_out_ms;
    const row = document.getElementById("hard-out-row");
    row.hidden = typeof hardOut !== "number";
    if (row.hidden) return;
    const left = hardOut - G.serverNow();
    let text = clockTime(hardOut, show.timezone) + (G.displaySeconds(left) > 0 ? " · in " + G.formatCountdown(left)
      : " · passed " + G.formatClock(-left) + " ago");
    if (end !== null && show.status !== "ended") {
      const spare = hardOut - end;
      text += Math.abs(spare) < 1000 ? " · ends right on it"
        : spare > 0 ? " · ends " + G.formatClock(spare) + " before it" : " · ends " + G.formatClock(spare) + " after it";
      row.setAttribute("data-over", spare < 0 ? "true" : "false");
    }
    G.setText("hard-out", text);
  }

  function renderShow() {
    const show = state.show || {};
    G.setText("show-title", show.title || "Control room");
    G.setText("show-status", (show.status || "") + (show.held ? " · on hold" : ""));
    document.getElementById("hold-banner").hidden = !(show.held && show.status === "live");
    G.renderRehearsal(show);
    G.setText("segment-title", show.segment_title || "");
    G.setText("next-segment", show.next_segment_title || "—");
    G.setText("prompt", show.prompt || "—");
    document.getElementById("btn-hold").hidden = Boolean(show.held);
    document.getElementById("btn-resume").hidden = !show.held;
    renderRundown(show.segments || []);
  }

  // Lists are rebuilt only when their content changes: the runner pushes often (OBS health, timers)
  // and a button rebuilt under the producer's pointer would swallow the click.
  const drawn = {};

  function changed(name, value) {
    const key = JSON.stringify(value);
    if (drawn[name] === key) return false;
    drawn[name] = key;
    return true;
  }

  function renderRundown(segments) {
    const list = document.getElementById("rundown");
    const shape = segments.map(function (s) { return [s.index, s.title, s.state, s.allotted_ms]; });
    if (changed("rundown", shape)) {
      G.replaceChildren(list, segments.map(function (segment) {
        const jump = G.el("button", {
          text: "Jump",
          attrs: { "data-segment": String(segment.index), "aria-label": "jump to " + segment.title },
          onClick: function () { act("show.jump", { segment: segment.index }); },
        });
        return G.el("li", { className: "segment " + segment.state }, [
          G.el("span", { className: "title", text: segment.title }),
          G.el("span", { className: "planned", text: G.formatClock(segment.allotted_ms) }),
          G.el("span", { className: "actual", text: "" }),
          segment.state === "current" ? null : jump,
        ]);
      }));
    }
  }

  // The actual column: the segment on air keeps counting between pushes (holds excluded).
  function renderActuals(segments, current, segmentSince) {
    const actuals = document.getElementById("rundown").querySelectorAll(".actual");
    segments.forEach(function (segment, index) {
      const running = segment.index === current ? segmentSince : 0;
      const text = G.formatClock(segment.actual_duration_ms + running);
      if (actuals[index] && actuals[index].textContent !== text) actuals[index].textContent = text;
    });
  }

  function renderMessage() {
    const message = state.message;
    G.setText("message-current", message && message.text ? message.text + (message.blink ? " (blinking)" : "") : "—");
  }

  // OBS and stream health at a glance (shape: livekit.obs.show_sync.ObsHealth + "enabled").
  function renderHealth() {
    const obs = state.obs || {};
    let obsText = "OBS off";
    let obsOk = "none";
    // While OBS is down nobody knows whether it still records or streams: say so, never show a stale "● REC".
    const unknown = obs.enabled !== false && !obs.connected;
    if (obs.enabled !== false) {
      obsOk = obs.connected ? "yes" : "no";
      obsText = obs.connected ? "OBS connected" : "OBS disconnected" + (obs.error ? ": " + obs.error : "");
      if (obs.connected && typeof obs.active_fps === "number") obsText += " · " + obs.active_fps.toFixed(0) + " fps";
      if (obs.connected && typeof obs.cpu_usage === "number") obsText += " · CPU " + obs.cpu_usage.toFixed(0) + "%";
    }
    G.setText("obs-health", obsText).setAttribute("data-ok", obsOk);

    const parts = [];
    const stream = unknown ? null : obs.stream;
    const record = unknown ? null : obs.record;
    if (unknown) parts.push("stream unknown", "rec unknown");
    if (stream) {
      if (stream.reconnecting) parts.push("stream reconnecting");
      else parts.push(stream.active ? "● LIVE " + (stream.timecode || "").split(".")[0] : "stream off");
      if (stream.active && stream.total_frames > 0) {
        parts.push("dropped " + (100 * stream.skipped_frames / stream.total_frames).toFixed(1) + "%");
      }
    }
    if (record) parts.push(record.active ? "● REC " + (record.timecode || "").split(".")[0] : "rec off");
    if (obs.output_skipped_frames || obs.render_skipped_frames) {
      parts.push("skipped " + (obs.output_skipped_frames || 0) + "/" + (obs.render_skipped_frames || 0));
    }
    let streamOk = stream && stream.reconnecting ? "no" : stream && stream.active ? "yes" : "none";
    if (unknown) streamOk = "unknown";
    G.setText("stream-health", parts.join(" · ") || "stream —").setAttribute("data-ok", streamOk);

    const platforms = state.platforms || {};
    // A platform says how it is (health: ok / recovering / failed), why, and what the producer can do.
    const names = Object.keys(platforms).map(function (name) {
      const value = platforms[name] || {};
      const health = value.health && value.health !== "ok" ? value.health : (value.state || "");
      const why = value.reason || (value.state !== "ok" ? value.detail : "");
      return name + " " + health + (why ? " (" + why + ")" : "") + (value.fix ? " — " + value.fix : "");
    });
    const degraded = Object.keys(platforms).some(function (name) {
      const value = platforms[name] || {};
      return value.state === "degraded" || value.health === "recovering" || value.health === "failed";
    });
    const pill = G.setText("platforms", names.join(" · "));
    pill.setAttribute("data-ok", degraded ? "no" : "yes");
    pill.hidden = names.length === 0;
  }

  function guestRow(guest, index, count) {
    // Only the steps the guest rules allow from this status (the server lists them).
    const buttons = (guest.next_statuses || []).map(function (status) {
      return G.el("button", {
        text: guestStepLabel(guest.status, status),
        attrs: { "data-status": status },
        onClick: function () { act("guests.status", { id: guest.id, status: status }); },
      });
    });
    buttons.push(G.el("button", {
      text: "↑", attrs: { "aria-label": "move up", "data-move": "up" },
      onClick: function () { act("guests.move", { id: guest.id, position: Math.max(0, index - 1) }); },
    }));
    buttons.push(G.el("button", {
      text: "↓", attrs: { "aria-label": "move down", "data-move": "down" },
      onClick: function () { act("guests.move", { id: guest.id, position: Math.min(count - 1, index + 1) }); },
    }));
    buttons.push(G.el("button", {
      text: "edit", attrs: { "aria-label": "edit " + guest.name, "data-edit": String(guest.id) },
      onClick: function () { openEditor(guest); },
    }));
    const points = G.el("ul", { className: "points" }, (guest.talking_points || []).map(function (point) {
      return G.el("li", { text: point });
    }));
    return G.el("tr", { className: "guest status-" + guest.status, attrs: { "data-guest-id": String(guest.id) } }, [
      G.el("td", { text: String(index + 1) }),
      G.el("td", {}, [
        G.el("div", { className: "guest-name", text: guest.name }),
        G.el("div", { className: "small", text: guest.lower_third || "" }),
        points,
      ]),
      G.el("td", { className: "guest-status", text: (guest.status || "").replace(/_/g, " ") }),
      G.el("td", { text: guest.topic || "" }),
      G.el("td", { className: "notes", text: guest.notes || "" }),
      G.el("td", { className: "actions" }, buttons),
    ]);
  }

  // One guest's details can be edited at a time, in a form row under the guest's row. That row is
  // never detached on a redraw (the rows around it are rebuilt), so what the producer is typing and
  // the focus survive the state pushes that arrive meanwhile.
  let editor = null; // { id, row, form, error }

  const EDIT_FIELDS = [
    ["name", "Name", 120], ["pronouns", "Pronouns", 40], ["title_or_handle", "Title or handle", 160],
    ["contact", "Contact", 320], ["topic", "Topic", 300],
  ];

  function openEditor(guest) {
    closeEditor();
    const inputs = EDIT_FIELDS.map(function (field) {
      const input = G.el("input", { attrs: { name: field[0], maxlength: String(field[2]), placeholder: field[1],
        "aria-label": field[1].toLowerCase() } });
      input.value = guest[field[0]] || "";
      return G.el("label", {}, [G.el("span", { className: "small", text: field[1] }), input]);
    });
    const points = G.el("textarea", { attrs: { name: "talking_points", "aria-label": "talking points",
      placeholder: "Talking points, one per line" } });
    points.value = (guest.talking_points || []).join("\n");
    const notes = G.el("textarea", { attrs: { name: "notes", "aria-label": "notes", placeholder: "Private notes" } });
    notes.value = guest.notes || "";
    const error = G.el("p", { className: "error", attrs: { role: "alert" } });
    const cancel = G.el("button", { text: "Cancel", attrs: { type: "button", "data-edit-cancel": "" },
      onClick: function () { closeEditor(); } });
    const form = G.el("form", { className: "guest-edit-form" }, inputs.concat([
      G.el("label", { className: "wide" }, [G.el("span", { className: "small", text: "Talking points" }), points]),
      G.el("label", { className: "wide" }, [G.el("span", { className: "small", text: "Notes" }), notes]),
      G.el("div", { className: "wide" }, [G.el("button", { text: "Save", className: "primary", attrs: { type: "submit" } }),
        cancel]),
      error,
    ]));
    const cell = G.el("td", { attrs: { colspan: "6" } }, [form]);
    const row = G.el("tr", { className: "guest-edit", attrs: { "data-edit-guest-id": String(guest.id) } }, [cell]);
    editor = { id: guest.id, row: row, form: form, error: error };
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      saveEditor(guest.id, form, error);
    });
    const guestRowNode = document.querySelector("tr.guest[data-guest-id='" + guest.id + "']");
    if (guestRowNode) guestRowNode.after(row);
    form.elements.name.focus();
  }

  async function saveEditor(id, form, error) {
    const params = { id: id };
    for (const field of EDIT_FIELDS) params[field[0]] = form.elements[field[0]].value;
    params.notes = form.elements.notes.value;
    params.talking_points = form.elements.talking_points.value.split("\n").filter(function (line) {
      return line.trim() !== "";
    });
    error.textContent = "";
    const result = await connection.act("guests.update", params);
    if (!editor || editor.form !== form) return;
    if (result.ok) closeEditor();
    else error.textContent = result.error || "not saved";
  }

  function closeEditor() {
    if (!editor) return;
    editor.row.remove();
    editor = null;
    delete drawn.guests; // the rows may have changed while the form was open
    if (state) renderGuests();
  }

  function renderGuests() {
    const guests = state.guests || [];
    G.setText("lower-third", state.lower_third || "—");
    if (editor && !guests.some(function (guest) { return guest.id === editor.id; })) {
      editor.row.remove();
      editor = null;
      delete drawn.guests;
    }
    if (!changed("guests", guests)) return;
    const body = document.getElementById("guest-rows");
    const keep = editor ? editor.row : null;
    for (const child of Array.from(body.children)) if (child !== keep) child.remove();
    let beforeEditor = keep !== null;
    guests.forEach(function (guest, index) {
      const row = guestRow(guest, index, guests.length);
      if (beforeEditor) body.insertBefore(row, keep);
      else body.appendChild(row);
      if (keep && guest.id === editor.id) beforeEditor = false;
    });
  }

  function renderQuestions() {
    const questions = state.questions || [];
    const onScreen = state.question_on_screen;
    G.setText("question-on-screen", onScreen ? onScreen.text + " — " + onScreen.author : "—");
    if (!changed("questions", questions)) return;
    G.replaceChildren(document.getElementById("questions"), questions.map(function (question) {
      const buttons = (QUESTION_ACTIONS[question.status] || []).map(function (name) {
        return G.el("button", {
          text: name,
          attrs: { "data-question-action": name },
          onClick: function () { act("questions." + name, { id: question.id }); },
        });
      });
      return G.el("li", { className: "question status-" + question.status, attrs: { "data-question-id": String(question.id) } }, [
        G.el("span", { className: "platform", text: question.platform || "" }),
        G.el("span", { className: "author", text: question.author || "" }),
        G.el("span", { className: "text", text: question.text || "" }),
        G.el("span", { className: "status", text: question.status || "" }),
      ].concat(buttons));
    }));
  }

  function render(newState) {
    state = newState;
    document.getElementById("login").hidden = true;
    document.getElementById("panel").hidden = false;
    renderShow();
    renderTimers();
    renderMessage();
    renderHealth();
    renderGuests();
    renderQuestions();
  }

  // --- wiring ------------------------------------------------------------------------------------
  // n = next (start when ready), b = back, h = hold/resume; never while typing or with a modifier.
  function onShortcut(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat || !state) return;
    const target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
    if (document.getElementById("panel").hidden) return;
    const show = state.show || {};
    const key = event.key.toLowerCase();
    let action = null;
    if (key === "n") action = show.status === "ready" ? "show.start" : "show.next";
    else if (key === "b") action = "show.back";
    else if (key === "h") action = show.held ? "show.resume" : "show.hold";
    if (!action) return;
    event.preventDefault();
    act(action, {});
  }

  function start() {
    let token = takeTokenFromFragment();
    let refused = false;
    connection = G.connect("control", {
      onOpen: function () {
        if (token) connection.send({ type: "auth", token: token });
        else showLogin("");
      },
      onState: render,
      onMessage: function (message) {
        if (message.type === "auth" && !message.ok) {
          refused = true;
          sessionStorage.removeItem(TOKEN_KEY);
          token = null;
          showLogin("That token was refused.");
        }
      },
      onClose: function () {
        if (refused) {
          refused = false;
          return false;
        }
        return true;
      },
    });

    document.getElementById("login-form").addEventListener("submit", function (event) {
      event.preventDefault();
      token = document.getElementById("token-input").value.trim();
      document.getElementById("token-input").value = "";
      if (!token) return;
      sessionStorage.setItem(TOKEN_KEY, token);
      if (!connection.send({ type: "auth", token: token })) connection.reconnect();
    });

    for (const button of document.querySelectorAll("button[data-action]")) {
      button.addEventListener("click", function () {
        const params = {};
        if (button.dataset.seconds) params.seconds = Number(button.dataset.seconds);
        act(button.dataset.action, params);
      });
    }

    document.getElementById("message-form").addEventListener("submit", function (event) {
      event.preventDefault();
      const input = document.getElementById("message-input");
      act("message.set", { text: input.value, blink: document.getElementById("message-blink").checked });
    });
    document.getElementById("btn-confirm-end").addEventListener("click", function () {
      hideConfirm();
      act("show.end", { confirm: true });
    });
    document.getElementById("btn-cancel-end").addEventListener("click", hideConfirm);
    document.getElementById("message-clear").addEventListener("click", function () {
      act("message.clear", {});
    });

    document.getElementById("guest-form").addEventListener("submit", async function (event) {
      event.preventDefault();
      const form = event.target;
      const fields = {};
      for (const name of ["name", "pronouns", "title_or_handle", "topic", "contact", "booked_by", "notes"]) {
        fields[name] = form.elements[name].value;
      }
      fields.talking_points = form.elements.talking_points.value.split("\n").filter(function (line) {
        return line.trim() !== "";
      });
      const result = await act("guests.add", fields);
      if (result.ok) form.reset();
    });

    document.addEventListener("keydown", onShortcut);

    setInterval(function () { if (state) renderTimers(); }, 100);
  }

  document.addEventListener("DOMContentLoaded", start);
})();
