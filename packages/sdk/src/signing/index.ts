// Buyer → provider request signing, and provider → buyer answer signing, with EIP-712.
export { bodyHash } from "./bodyHash.js";
export { type ReadRequestHeadersReturnType, readRequestHeaders } from "./readRequestHeaders.js";
export {
  assertCanonicalSignature,
  type HashRequestParameters,
  hashRequest,
  type RecoverRequestSignerParameters,
  recoverRequestSigner,
} from "./recoverRequestSigner.js";
export { type SignAnswerParameters, type SignAnswerReturnType, signAnswer } from "./signAnswer.js";
export {
  RequestSignatureError,
  type SignRequestParameters,
  type SignRequestReturnType,
  signRequest,
} from "./signRequest.js";
export {
  type AnswerHeaders,
  answerDomain,
  answerTypes,
  OCX_ANSWER_SHA256_HEADER,
  OCX_ANSWER_SIGNATURE_HEADER,
  OCX_ANSWER_TIMESTAMP_HEADER,
  OCX_BODY_HASH_HEADER,
  OCX_LEASE_HEADER,
  OCX_NONCE_HEADER,
  OCX_SIGNATURE_HEADER,
  OCX_SIGNER_HEADER,
  OCX_TIMESTAMP_HEADER,
  type RequestHeaders,
  requestDomain,
  requestTypes,
} from "./typedData.js";
export {
  AnswerSignatureError,
  type VerifyAnswerParameters,
  type VerifyAnswerReturnType,
  verifyAnswer,
} from "./verifyAnswer.js";
export { DEFAULT_MAX_SKEW_SECONDS, StaleSignatureError, verifyFreshness } from "./verifyFreshness.js";
