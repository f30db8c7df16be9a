// The GOV.UK timeout warning: a modal dialog shortly before the session's idle
// timeout, saying when the user will be signed out, with "Stay signed in".
//
// The server decides when a session ends (app/auth/sessions.py); this only
// warns. Before warning, and again at the end, it asks the server how long is
// left, so activity in another tab moves the warning on. Loaded as a module
// from app.js, so it runs under the page's CSP nonce with no inline script.

function inWords(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  if (seconds >= 60) {
    const minutes = Math.ceil(seconds / 60);
    return minutes === 1 ? "1 minute" : `${minutes} minutes`;
  }
  return seconds === 1 ? "1 second" : `${seconds} seconds`;
}

export function initTimeoutWarning(dialog) {
  if (typeof dialog.showModal !== "function") return;
  const warningMs = Number(dialog.dataset.warningSeconds) * 1000;
  const statusUrl = dialog.dataset.statusUrl;
  const keepAlive = dialog.querySelector("[data-timeout-keep-alive]");
  const countdown = dialog.querySelector(".app-timeout-warning__countdown");
  const announcement = dialog.querySelector("[data-timeout-announcement]");
  let deadline = Date.now() + Number(dialog.dataset.secondsLeft) * 1000;
  let waiting = null;
  let ticking = null;
  let announced = "";

  // Seconds left by the server's clock; 0 when signed out, null when it could not be asked.
  async function secondsLeft() {
    try {
      const response = await fetch(statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) return null;
      const status = await response.json();
      return status.signed_in ? status.seconds_left : 0;
    } catch {
      return null;
    }
  }

  function schedule() {
    clearTimeout(waiting);
    waiting = setTimeout(check, Math.max(0, deadline - warningMs - Date.now()));
  }

  async function check() {
    const left = await secondsLeft();
    if (left !== null) deadline = Date.now() + left * 1000;
    if (deadline - Date.now() > warningMs) schedule();
    else open();
  }

  function announce(text) {
    // Screen readers hear the time left when the dialog opens and at each new minute, then at 30 and 10 seconds.
    if (text !== announced) {
      announced = text;
      announcement.textContent = ` We will sign you out in ${text}.`;
    }
  }

  function tick() {
    const left = deadline - Date.now();
    if (left <= 0) {
      signedOut();
      return;
    }
    const words = inWords(left);
    countdown.textContent = words;
    if (left >= 60_000 || left <= 10_000 || (left <= 30_000 && left > 29_000)) {
      announce(left <= 10_000 ? "10 seconds or less" : words);
    }
  }

  function open() {
    if (!dialog.open) dialog.showModal();
    announce(inWords(deadline - Date.now()));
    tick();
    clearInterval(ticking);
    ticking = setInterval(tick, 1000);
  }

  function close() {
    clearInterval(ticking);
    announced = "";
    if (dialog.open) dialog.close();
    schedule();
  }

  async function signedOut() {
    clearInterval(ticking);
    const left = await secondsLeft();
    if (left) {
      deadline = Date.now() + left * 1000;
      close();
      return;
    }
    // The server has ended the session: load this page again, which leads to the sign-in page.
    window.location.assign(window.location.href);
  }

  keepAlive.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const response = await fetch(keepAlive.action, {
        method: "POST",
        body: new FormData(keepAlive),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(`keep-alive answered ${response.status}`);
      const status = await response.json();
      deadline = Date.now() + status.seconds_left * 1000;
      close();
    } catch {
      window.location.assign(window.location.href);
    }
  });

  // Escape means "stay signed in", not "close and be signed out unawares".
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    keepAlive.requestSubmit();
  });

  schedule();
}
