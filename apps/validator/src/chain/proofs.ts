// The challenge engine's port over the chain and the providers' APIs: ProofOfCompute through the
// SDK's typed actions (writes through the validator's crash-safe sender under a key naming their
// purpose; each simulates first, so a revert comes back decoded), the marketplace's active offers,
// and the providers' signed openings checked against their registered apiSigner.
import type { Hex, Opening } from "@ocx/proofs";
import {
  attestChallengeSync,
  challengePhaseName,
  challengeProviderSync,
  demandRowSync,
  disputeProductsSync,
  disputeStageName,
  fromLabel,
  getAttestation,
  getChallenge,
  getChallengeProducts,
  getChallengeTrace,
  getCounts,
  getOffer,
  getProofParameters,
  getProvider,
  OfferState,
  pickStepSync,
  proofOfComputeAbi,
  proofOfComputeAddress,
  proveLateSync,
  proveStepSync,
  toLabel,
  verifyAnswer,
} from "@ocx/sdk";
import { hexToBytes } from "viem";
import { getBlock, getContractEvents } from "viem/actions";
import type { ChainChallenge, ChainPhase, ChainStage, ChallengePort, ProofParameters } from "../challenges/port.js";
import type { OfferView } from "../challenges/schedule.js";
import type { ChainAccess } from "./client.js";

/** Largest opening body accepted from a provider (k rows of n bytes as hex plus proofs); bigger is refused unread. */
const MAX_OPENING_BYTES = 64 * 1024 * 1024;

/**
 * The port for `access`'s validator.
 * @example
 * const port = createChallengePort(access, { fetch });
 * const c = await port.getChallenge(1n);
 */
export function createChallengePort(
  access: ChainAccess,
  options: { fetch?: typeof fetch; openingTimeoutMs?: number } = {},
): ChallengePort {
  const reader = access.reader;
  const deployment = access.deployment;
  const address = proofOfComputeAddress(deployment);
  const doFetch = options.fetch ?? fetch;
  const labelOf = (model: string) => toLabel(model);

  return {
    address: access.address,
    async now() {
      return Number((await getBlock(reader, { blockTag: "latest" })).timestamp);
    },
    async mineBlock() {
      await reader.request({ method: "evm_mine" } as never);
    },
    async blockHash(number) {
      const block = await getBlock(reader, { blockNumber: number });
      if (!block.hash) throw new Error(`block ${number} has no hash yet`);
      return block.hash;
    },
    async parameters(): Promise<ProofParameters> {
      const p = await getProofParameters(reader, { deployment });
      return {
        challengeBond: BigInt(p.challengeBond),
        faultSlash: BigInt(p.faultSlash),
        rewardBps: Number(p.rewardBps),
        responseWindow: Number(p.responseWindow),
        attestationTtl: Number(p.attestationTtl),
        openedRows: Number(p.openedRows),
        repetitions: Number(p.repetitions),
      };
    },
    async activeOffers(): Promise<OfferView[]> {
      const counts = await getCounts(reader, { deployment });
      const total = Number((counts as readonly bigint[])[0] ?? (counts as unknown as { offers: bigint }).offers);
      const out: OfferView[] = [];
      for (let id = 1; id <= total; id++) {
        const offer = await getOffer(reader, { deployment, offerId: BigInt(id) });
        if (offer.state !== OfferState.Active) continue;
        out.push({
          provider: offer.provider,
          state: offer.state,
          resources: { gpuModel: offer.resources.gpuModel, gpuCount: offer.resources.gpuCount },
        });
      }
      return out;
    },
    async challenge(key, target) {
      const { event } = await challengeProviderSync(access.writer(key), {
        deployment,
        provider: target.provider,
        model: labelOf(target.model),
        gpuIndex: target.gpuIndex,
      });
      return { id: event.id, deadlineAt: Number(event.deadlineAt) };
    },
    async getChallenge(id): Promise<ChainChallenge> {
      const c = await getChallenge(reader, { deployment, id });
      return {
        id,
        provider: c.provider.toLowerCase() as `0x${string}`,
        validator: c.validator.toLowerCase() as `0x${string}`,
        gpuIndex: Number(c.gpuIndex),
        model: fromLabel(c.model) || "cpu",
        phase: challengePhaseName(c.phase) as ChainPhase,
        stage: disputeStageName(c.stage) as ChainStage,
        disputedVector: Number(c.disputedVector),
        n: Number(c.n),
        steps: Number(c.steps),
        k: Number(c.k),
        t: Number(c.t),
        challengedAt: Number(c.challengedAt),
        deadlineAt: Number(c.deadlineAt),
        challengeBlock: c.challengeBlock,
        committedAt: Number(c.committedAt),
        commitBlock: c.commitBlock,
        roundDeadline: Number(c.roundDeadline),
        roundArg: Number(c.roundArg),
        seed: c.seed,
        workId: c.workId,
        root: c.root,
        auditId: c.auditId,
        productsHash: c.productsHash,
      };
    },
    async productsOf(id) {
      return hexToBytes(await getChallengeProducts(reader, { deployment, id }));
    },
    async traceOf(id) {
      return [...(await getChallengeTrace(reader, { deployment, id }))];
    },
    async revealedStep(id) {
      const events = await getContractEvents(reader, {
        address,
        abi: proofOfComputeAbi,
        eventName: "StepRevealed",
        args: { id },
        fromBlock: BigInt(deployment.startBlock),
        strict: true,
      });
      const last = events[events.length - 1];
      if (!last) return undefined;
      const a = last.args as { s: number; vs: Hex; vs1: Hex };
      return { s: Number(a.s), vs: hexToBytes(a.vs), vs1: hexToBytes(a.vs1) };
    },
    async attestationExpiry(target) {
      const a = await getAttestation(reader, {
        deployment,
        provider: target.provider,
        model: labelOf(target.model),
        gpuIndex: target.gpuIndex,
      });
      return Number(a.expiresAt);
    },
    async fetchOpening(provider, id) {
      const registered = await getProvider(reader, { deployment, provider });
      if (!registered.endpoint)
        return { ok: false, reason: `provider ${provider} has no registered endpoint`, retry: false };
      const route = `/challenges/${id}/opening`;
      const url = `${registered.endpoint.replace(/\/+$/, "")}${route}`;
      let response: Response;
      try {
        response = await doFetch(url, { signal: AbortSignal.timeout(options.openingTimeoutMs ?? 10_000) });
      } catch (error) {
        return { ok: false, reason: `${url} is unreachable: ${(error as Error).message}`, retry: true };
      }
      if (!response.ok) {
        const text = (await response.text().catch(() => "")).slice(0, 300);
        return { ok: false, reason: `${url} answered ${response.status} ${text}`, retry: response.status !== 400 };
      }
      const length = Number(response.headers.get("content-length") ?? 0);
      if (length > MAX_OPENING_BYTES) {
        await response.body?.cancel();
        return { ok: false, reason: `${url} sent ${length} bytes, more than an opening can be`, retry: false };
      }
      const body = new Uint8Array(await response.arrayBuffer());
      try {
        await verifyAnswer({
          chainId: deployment.chainId,
          apiSigner: registered.apiSigner,
          // The provider signs openings outside any lease (leaseId 0); the route binds the challenge id.
          leaseId: 0n,
          route: `GET ${route}`,
          headers: response.headers,
          body,
        });
      } catch (error) {
        return {
          ok: false,
          reason: `the opening is not signed by the provider's apiSigner: ${(error as Error).message}`,
          retry: false,
        };
      }
      try {
        return { ok: true, opening: JSON.parse(new TextDecoder().decode(body)) as Opening };
      } catch {
        return { ok: false, reason: `${url} answered a signed body that is not JSON`, retry: false };
      }
    },
    attest: async (id, score) =>
      void (await attestChallengeSync(access.writer(`attest:${id}`), { deployment, id, score })),
    proveLate: async (id) => void (await proveLateSync(access.writer(`prove-late:${id}`), { deployment, id })),
    demandRow: async (id, row) =>
      void (await demandRowSync(access.writer(`demand-row:${id}`), { deployment, id, row })),
    disputeProducts: async (id, t) =>
      void (await disputeProductsSync(access.writer(`dispute-products:${id}`), { deployment, id, t })),
    pickStep: async (id, s) => void (await pickStepSync(access.writer(`pick-step:${id}`), { deployment, id, s })),
    proveStep: async (id, j) => void (await proveStepSync(access.writer(`prove-step:${id}`), { deployment, id, j })),
  };
}
