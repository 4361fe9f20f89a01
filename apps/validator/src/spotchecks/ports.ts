// What the spot-check loop needs from outside: the job a lease ran (from its provider) and a way to run it again.
import type { Manifest } from "@ocx/sdk";
import type { Address, Hex } from "viem";

/** A completed lease the loop may check: what the chain says about it. */
export interface CompletedLease {
  leaseId: bigint;
  provider: Address;
  /** The provider's API endpoint (ProviderRegistry). */
  endpoint: string;
  /** The canonical manifest hash recorded in LeaseCreated. */
  manifestHash: Hex;
  /** The result hash recorded in LeaseCompleted. */
  resultHash: Hex;
}

/** The job of a lease: its canonical manifest (hash-checked) and its inputs, written under `dir`. */
export interface JobBundle {
  manifest: Manifest;
  /** Folder holding the inputs at their manifest paths (each checked against its sha256); removed by `dispose`. */
  dir: string;
  dispose(): Promise<void>;
}

/** Where jobs come from: the provider's API route for validators. */
export interface BundleSource {
  /**
   * The lease's manifest, checked against `lease.manifestHash`; undefined when the provider does not offer it
   * (not deterministic, or no route), with the reason.
   */
  manifest(lease: CompletedLease): Promise<{ manifest: Manifest } | { manifest: undefined; reason: string }>;
  /** The manifest and its inputs, downloaded and checked, for re-execution. */
  bundle(lease: CompletedLease, manifest: Manifest): Promise<JobBundle>;
}

/** What a re-execution gives: the sha256 of the result archive, or why there is none. */
export type ReExecution = { resultHash: Hex; detail: string } | { resultHash: undefined; detail: string };

/** Runs a job again, somewhere other than the provider that is checked. */
export interface ReExecutor {
  run(lease: CompletedLease, bundle: JobBundle): Promise<ReExecution>;
}
