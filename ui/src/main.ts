// Starts the UI against the desktop backend. Outside the desktop app (a plain browser, as the
// accessibility check uses it), `?backend=fake` runs it on the in-memory backend instead;
// without that it says where Concord runs rather than failing on every command.

import { mount } from "svelte";

import App from "./App.svelte";
import "./app.css";
import { tauriBackend, type Backend } from "./lib/backend";

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element to mount into");

const insideDesktop = "__TAURI_INTERNALS__" in window;
const wantsFake = new URLSearchParams(window.location.search).get("backend") === "fake";

async function chooseBackend(): Promise<Backend | null> {
  if (insideDesktop) return tauriBackend;
  if (!wantsFake) return null;
  // Loaded on demand, so the desktop app never runs the fake backend's code.
  const { createFakeBackend } = await import("./lib/fake-backend");
  return createFakeBackend();
}

chooseBackend().then((backend) => {
  if (backend) {
    mount(App, { target, props: { backend } });
  } else {
    target.textContent =
      "Concord runs inside its desktop app. To try the interface in a browser, add " +
      "?backend=fake to the address.";
  }
});
