// @ocx/model-server: an OpenAI-compatible, x402-paid server for the tiny CPU model.
export { createModelServerApp, type ModelServerOptions, type ModelServerStats } from "./app.js";
export { type ChatRequest, ChatRequestError, parseChatRequest } from "./chat.js";
export { main } from "./main.js";
export { type ModelServer, type PaymentSettings, type StartModelServerOptions, startModelServer } from "./server.js";
