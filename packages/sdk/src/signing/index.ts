// Buyer → provider request signing with EIP-712.
export { bodyHash } from "./bodyHash.js";
export { type ReadRequestHeadersReturnType, readRequestHeaders } from "./readRequestHeaders.js";
export { type RecoverRequestSignerParameters, recoverRequestSigner } from "./recoverRequestSigner.js";
export {
  RequestSignatureError,
  type SignRequestParameters,
  type SignRequestReturnType,
  signRequest,
} from "./signRequest.js";
export {
  OCX_LEASE_HEADER,
  OCX_NONCE_HEADER,
  OCX_SIGNATURE_HEADER,
  OCX_TIMESTAMP_HEADER,
  type RequestHeaders,
  requestDomain,
  requestTypes,
} from "./typedData.js";
export { DEFAULT_MAX_SKEW_SECONDS, StaleSignatureError, verifyFreshness } from "./verifyFreshness.js";
