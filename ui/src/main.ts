// Starts the UI against the desktop backend.

import { mount } from "svelte";

import App from "./App.svelte";
import "./app.css";
import { tauriBackend } from "./lib/backend";

const target = document.getElementById("app");
if (!target) throw new Error("index.html has no #app element to mount into");

mount(App, { target, props: { backend: tauriBackend } });
