// The node's challenges component: the responder over the ProofOfCompute contract named in the
// deployment, polled on the chain's interval. Off (and said so in the log and /status) when the config
// turns it off or the deployment has no ProofOfCompute.
import type { Address } from "viem";
import type { ChainAccess } from "../chain/client.js";
import type { Common, Component } from "../common.js";
import type { ProviderStore } from "../leases/store.js";
import { type ChallengeResponder, createChallengeResponder } from "./responder.js";
import { createChallengeChain } from "./sdkChain.js";
import { ChallengeStore } from "./store.js";

/** The started component: the responder (absent when off) for the API's opening route. */
export interface ChallengesComponent extends Component {
  responder: ChallengeResponder | undefined;
}

/**
 * Starts answering challenges: reads what was missed while the node was down, then polls.
 * @example
 * const challenges = await components.start("challenges", () => challengesComponent(common, chain, store));
 */
export async function challengesComponent(
  common: Common,
  chain: ChainAccess,
  store: ProviderStore,
): Promise<ChallengesComponent> {
  const { config, log } = common;
  const settings = config.challenges;
  const address = (chain.deployment as { proofOfCompute?: Address }).proofOfCompute;
  const off = (reason: string): ChallengesComponent => {
    log.info(`not answering proof-of-compute challenges: ${reason}`);
    return { responder: undefined, status: () => ({ enabled: false, reason }), close: () => {} };
  };
  if (!settings.enabled) return off("challenges.enabled is false (validators will prove every challenge late)");
  if (!address) return off(`the deployment ${config.chain.deployment} names no proofOfCompute contract`);
  const responder = createChallengeResponder({
    chain: createChallengeChain(chain, address),
    store: new ChallengeStore(store),
    stateDir: config.stateDir,
    log,
    metrics: common.metrics,
    prover: settings.prover,
    cheat: settings.cheat,
    python: settings.python,
  });
  const poll = () =>
    responder
      .poll()
      .catch((error: Error) =>
        log.warn("reading challenges failed; will retry", { error: error.message.split("\n")[0] }),
      );
  await poll();
  const timer = setInterval(poll, config.chain.pollIntervalMs);
  log.info("answering proof-of-compute challenges", {
    contract: address,
    prover: settings.prover,
    ...(settings.cheat ? { cheat: settings.cheat } : {}),
  });
  return {
    responder,
    status: () => ({
      enabled: true,
      prover: settings.prover,
      ...(settings.cheat ? { cheat: settings.cheat } : {}),
      challenges: responder.status(),
    }),
    async close() {
      clearInterval(timer);
      await responder.close();
    },
  };
}
