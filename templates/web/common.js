// Shared by every Greenroom page: one websocket with reconnect + backoff, the server clock offset,
// and safe DOM helpers. User data only ever reaches the page through textContent.
"use strict";

(function () {
  const PING_EVERY_MS = 10000;
  const MAX_BACKOFF_MS = 5000;
  const KEEP_SAMPLES = 8;

  // --- clock: the server is the only source of time -------------------------------------------
  const samples = [];
  let offsetMs = 0;

  function addClockSample(t0, serverMs, t1) {
    const rtt = t1 - t0;
    samples.push({ rtt: rtt, offset: serverMs - (t0 + t1) / 2 });
    if (samples.length > KEEP_SAMPLES) samples.shift();
    // NTP-style: trust the sample with the shortest round trip.
    let best = samples[0];
    for (const sample of samples) if (sample.rtt < best.rtt) best = sample;
    offsetMs = best.offset;
  }

  function serverNow() {
    return Date.now() + offsetMs;
  }

  // --- DOM helpers -------------------------------------------------------------------------------
  function el(tag, options, children) {
    const node = document.createElement(tag);
    const opts = options || {};
    if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
    if (opts.className) node.className = opts.className;
    if (opts.attrs) for (const key of Object.keys(opts.attrs)) node.setAttribute(key, opts.attrs[key]);
    if (opts.onClick) node.addEventListener("click", opts.onClick);
    for (const child of children || []) if (child) node.appendChild(child);
    return node;
  }

  function setText(id, value) {
    const node = document.getElementById(id);
    const text = value === undefined || value === null ? "" : String(value);
    if (node && node.textContent !== text) node.textContent = text;
    return node;
  }

  function replaceChildren(node, children) {
    while (node.firstChild) node.removeChild(node.firstChild);
    for (const child of children) node.appendChild(child);
  }

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  // "12:34", "1:02:03"; negative values are shown by the caller.
  function formatClock(ms) {
    const total = Math.floor(Math.abs(ms) / 1000);
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const seconds = total % 60;
    return hours > 0 ? hours + ":" + pad(minutes) + ":" + pad(seconds) : minutes + ":" + pad(seconds);
  }

  // The one rounding rule of every view (livekit.core.durations.display_seconds): whole seconds rounded
  // up, so "0:30" shows until thirty seconds are really left and "0:00" means "now"; never "-0".
  function displaySeconds(ms) {
    const seconds = Math.ceil(ms / 1000);
    return seconds === 0 ? 0 : seconds;
  }

  // Countdown text: time left, or "+m:ss" once over time (never "-0:00").
  function formatCountdown(ms) {
    const seconds = displaySeconds(ms);
    if (seconds > 0) return formatClock(seconds * 1000);
    return "+" + formatClock(-seconds * 1000);
  }

  // Every page says so while the show is a rehearsal (the banner is in each page's HTML).
  function renderRehearsal(show) {
    const banner = document.getElementById("rehearsal");
    if (banner) banner.hidden = !(show && show.rehearsal === true);
  }

  // Over/under of the whole show: positive offset = running late.
  function formatOffset(ms) {
    if (Math.abs(ms) < 1000) return "on time";
    return (ms > 0 ? "+" : "-") + formatClock(ms) + (ms > 0 ? " late" : " early");
  }

  // The live numbers of a show snapshot at the current server time: the snapshot was true at now_ms,
  // the clock on segments runs unless held, the show's own clock runs until it ends.
  function liveTiming(show) {
    if (!show) return null;
    const since = show.status === "live" && !show.held ? Math.max(0, serverNow() - show.now_ms) : 0;
    const wallSince = show.status === "live" ? Math.max(0, serverNow() - show.now_ms) : 0;
    const remaining = show.remaining_ms - since;
    const overtimeGrowth = Math.max(0, since - Math.max(0, show.remaining_ms));
    const heldGrowth = show.status === "live" && show.held ? Math.max(0, serverNow() - show.now_ms) : 0;
    let phase = null;
    if (show.status === "live" && show.current !== null && show.current !== undefined) {
      phase = remaining <= 0 ? "overtime" : remaining <= show.warning_ms ? "warning" : "normal";
    }
    return {
      remaining: remaining,
      elapsed: show.elapsed_ms + since,
      segmentSince: since,
      showElapsed: (show.show_elapsed_ms || 0) + wallSince,
      offset: show.offset_ms + overtimeGrowth + heldGrowth,
      phase: phase,
    };
  }

  // "Starting in 2:00" before a scheduled show begins (rounded up like every countdown); null when the show
  // is not waiting for a planned start (unscheduled, already started, or the planned start has passed).
  function startingIn(show) {
    if (!show || show.status !== "ready" || typeof show.scheduled_start_ms !== "number") return null;
    const left = show.scheduled_start_ms - serverNow();
    return displaySeconds(left) > 0 ? "Starting in " + formatCountdown(left) : null;
  }

  // --- the page's one websocket ------------------------------------------------------------------
  function connect(view, handlers) {
    let socket = null;
    let backoff = 250;
    let pingTimer = null;
    let nextId = 1;
    const pending = new Map();
    const indicator = document.getElementById("connection");

    function setConnection(state, label) {
      document.body.setAttribute("data-connection", state);
      if (indicator) indicator.textContent = label;
    }

    function send(message) {
      if (socket && socket.readyState === WebSocket.OPEN) {
        socket.send(JSON.stringify(message));
        return true;
      }
      return false;
    }

    function ping() {
      send({ type: "ping", t0: Date.now() });
    }

    function open() {
      // Once a page has lost its connection it keeps saying so until it is back: a producer must never
      // mistake a reconnect attempt for a working link.
      if (document.body.getAttribute("data-connection") !== "disconnected") {
        setConnection("connecting", "connecting…");
      }
      const scheme = location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + location.host + "/ws/" + view);
      socket.addEventListener("open", function () {
        backoff = 250;
        setConnection("connected", "connected");
        for (let i = 0; i < 4; i += 1) setTimeout(ping, i * 150);
        pingTimer = setInterval(ping, PING_EVERY_MS);
        if (handlers.onOpen) handlers.onOpen();
      });
      socket.addEventListener("message", function (event) {
        let message;
        try {
          message = JSON.parse(event.data);
        } catch (error) {
          return;
        }
        if (message.type === "pong") {
          addClockSample(message.t0, message.server_ms, Date.now());
        } else if (message.type === "state") {
          handlers.onState(message.state);
        } else if (message.type === "result") {
          const waiter = pending.get(message.id);
          if (waiter) {
            pending.delete(message.id);
            waiter(message);
          }
        } else if (handlers.onMessage) {
          handlers.onMessage(message);
        }
      });
      socket.addEventListener("close", function (event) {
        clearInterval(pingTimer);
        for (const waiter of pending.values()) waiter({ ok: false, error: "disconnected" });
        pending.clear();
        if (handlers.onClose && handlers.onClose(event) === false) {
          setConnection("disconnected", "disconnected");
          return;
        }
        setConnection("disconnected", "disconnected — reconnecting…");
        const delay = backoff + Math.random() * backoff * 0.3;
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        setTimeout(open, delay);
      });
    }

    function act(action, params) {
      return new Promise(function (resolve) {
        const id = nextId;
        nextId += 1;
        pending.set(id, resolve);
        if (!send({ type: "action", id: id, action: action, params: params || {} })) {
          pending.delete(id);
          resolve({ ok: false, error: "disconnected" });
        }
      });
    }

    open();
    // Open again now (e.g. with a new token after a refusal); a live socket is closed and reopened.
    function reconnect() {
      if (socket && socket.readyState !== WebSocket.CLOSED) socket.close();
      else open();
    }

    return { send: send, act: act, reconnect: reconnect };
  }

  window.Greenroom = {
    connect: connect,
    serverNow: serverNow,
    el: el,
    setText: setText,
    replaceChildren: replaceChildren,
    formatClock: formatClock,
    formatCountdown: formatCountdown,
    displaySeconds: displaySeconds,
    renderRehearsal: renderRehearsal,
    formatOffset: formatOffset,
    liveTiming: liveTiming,
    startingIn: startingIn,
  };
})();
