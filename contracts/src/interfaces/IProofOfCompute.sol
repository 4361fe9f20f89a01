// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @title IProofOfCompute
/// @notice On-chain hardware challenges: a validator challenges one GPU of a provider, the work is derived from
/// a block hash that exists only after the challenge, the provider commits to its result by a deadline sized to
/// the claimed model, then answers an audit drawn from a block hash after its commitment. A validator that
/// verified the answer off-chain attests; a wrong or missing answer is proven on-chain and slashed.
/// @dev The protocol (docs/contracts.md, docs/proofs.md):
/// 1. `challenge` (active validator; locks `challengeBond`) → seed = blockhash(challenge block), stored by
///    `fixSeed` or `commit`; workId = ProofMath.challengeId(seed, …), the packages/proofs `Challenge.id`.
/// 2. `commit(root)` by the provider, by `deadlineAt` → audit seed = blockhash(commit block).
/// 3. `respond(products)` by the provider within `responseWindow` of the commit: y_1‖…‖y_t on-chain.
/// 4. `attest(score)` by the validator (bond released), or a dispute:
///    - `demandRow` → provider `revealRow` (Merkle-checked): row·r_t ≠ y_t[row] → fault "row-inconsistent",
///      else the accusation failed (bond → provider).
///    - `disputeProducts(t)` → `postTrace` → `pickStep(s)` → `revealStep` → `proveStep(j)`: entry j of step s
///      recomputed on-chain; mismatch → fault "bad-step", else the accusation failed (bond → provider).
/// Each answer is due within `responseWindow`. A provider that misses one is faulted by `proveLate`
/// ("late" before the response, "unrevealed" in a dispute); a validator that misses one (or never attests)
/// loses its bond to the provider through `claimAbandoned`. A fault slashes `faultSlash` from the provider
/// (ProviderRegistry.slash), `rewardBps` of it to whoever proved it, and releases the validator's bond.
/// This contract never holds tokens: bonds stay in the ValidatorRegistry, stake in the ProviderRegistry.
/// Roles: one admin (governance's timelock later; two-step transfer: `transferAdmin`, then `acceptAdmin` by the
/// new admin) sets the parameters and the model table.
interface IProofOfCompute {
    // ---------------------------------------------------------------- types

    /// @notice Where a challenge stands. Attested, Faulted and Dismissed are final.
    enum ChallengePhase {
        None,
        Issued, // waiting for the provider's commitment (by deadlineAt)
        Committed, // waiting for the products (within responseWindow of the commit)
        Responded, // waiting for the validator: attest, or open a dispute (within responseWindow)
        Attested, // verified: the attestation is written, the bond released
        Disputed, // a dispute round is open (see DisputeStage)
        Faulted, // the provider's fault was proven and slashed
        Dismissed // the accusation failed or the validator abandoned it: its bond went to the provider
    }

    /// @notice The open round of a dispute; whose turn it is follows from the stage.
    enum DisputeStage {
        None,
        RowDemanded, // provider: revealRow
        TraceDue, // provider: postTrace
        StepPickDue, // validator: pickStep
        StepRevealDue, // provider: revealStep
        StepProofDue // validator: proveStep
    }

    /// @notice One challenge. Packed into 10 slots.
    struct Challenge {
        address provider;
        uint32 gpuIndex;
        uint64 challengedAt; // timestamp of the challenge block
        address validator;
        uint64 deadlineAt; // latest commit time: challengedAt + the model's deadlineSeconds
        ChallengePhase phase;
        DisputeStage stage;
        uint8 disputedVector; // t of `disputeProducts`
        bytes32 model; // the offer's label, e.g. "nvidia-h100-80gb", or "cpu"
        uint32 n; // matrix side
        uint32 steps; // L, products in the chain
        uint32 k; // rows opened by the audit (min(openedRows, n) at challenge time)
        uint8 t; // Freivalds vectors (repetitions at challenge time)
        uint64 challengeBlock; // block whose hash is the seed
        uint64 committedAt; // timestamp of the commit (0 before)
        uint64 commitBlock; // block whose hash is the audit seed (0 before the commit)
        uint64 roundDeadline; // when the current answer is due (respond, attest, or a dispute round)
        uint96 bond; // the validator's bond locked for this challenge
        uint32 roundArg; // the demanded row, or the picked step s
        bytes32 seed; // blockhash(challengeBlock), 0 until fixed
        bytes32 workId; // ProofMath.challengeId(seed, …): the packages/proofs Challenge.id, 0 until the seed is fixed
        bytes32 root; // the provider's Merkle root over Y's rows
        bytes32 auditId; // ProofMath.auditId(blockhash(commitBlock), workId, root, k, t), 0 until fixed
        bytes32 productsHash; // sha256(y_1‖…‖y_t)
    }

    /// @notice A current verification of one GPU of one provider for one model.
    struct Attestation {
        uint32 score; // measured speed in basis points of the model's expected time (10_000 = as expected)
        uint64 expiresAt;
        address validator;
        uint256 challengeId;
    }

    /// @notice How a challenge for one model is sized (the packages/proofs `challengeSize` of the model).
    struct ModelSize {
        uint32 n;
        uint32 steps;
        uint32 deadlineSeconds;
    }

    /// @notice Protocol parameters.
    struct Parameters {
        uint96 challengeBond; // validator stake locked per challenge
        uint96 faultSlash; // provider stake slashed per proven fault
        uint16 rewardBps; // share of the slash paid to whoever proved the fault
        uint32 responseWindow; // seconds for each answer after the commitment (respond, attest, each dispute round)
        uint32 attestationTtl; // seconds an attestation stays valid
        uint16 openedRows; // k
        uint8 repetitions; // t
    }

    // ---------------------------------------------------------------- events

    /// @notice `validator` challenged GPU `gpuIndex` of `provider` as `model`; the commit is due by `deadlineAt`.
    event ChallengeIssued(
        uint256 indexed id,
        address indexed provider,
        address indexed validator,
        bytes32 model,
        uint32 gpuIndex,
        uint32 n,
        uint32 steps,
        uint64 deadlineAt
    );
    /// @notice The challenge's seed (the challenge block's hash) was stored, and with it the work id.
    event ChallengeSeedFixed(uint256 indexed id, bytes32 seed, bytes32 workId);
    /// @notice The provider committed to Y's Merkle root.
    event ChallengeCommitted(uint256 indexed id, bytes32 workId, bytes32 root, uint64 committedAt);
    /// @notice The audit seed (the commit block's hash) was stored, and with it the audit id.
    event AuditSeedFixed(uint256 indexed id, bytes32 auditSeed, bytes32 auditId);
    /// @notice The provider posted its products y_1‖…‖y_t (their sha256 is `productsHash`).
    event ChallengeResponded(uint256 indexed id, bytes32 auditId, bytes32 productsHash);
    /// @notice A validator attested GPU `gpuIndex` of `provider` for `model` until `expiresAt`.
    event Attested(
        address indexed provider,
        bytes32 indexed model,
        uint32 gpuIndex,
        uint32 score,
        uint64 expiresAt,
        uint256 challengeId,
        address validator
    );
    /// @notice The validator demanded opened row `row`; the provider must reveal it by `dueAt`.
    event RowDemanded(uint256 indexed id, uint32 row, uint64 dueAt);
    /// @notice The provider revealed row `row` with a valid Merkle proof.
    event RowRevealed(uint256 indexed id, uint32 row);
    /// @notice The validator disputed product y_t; the provider must post its trace by `dueAt`.
    event ProductsDisputed(uint256 indexed id, uint8 t, uint64 dueAt);
    /// @notice The provider posted the hashes of v_0..v_{L+1}; the validator must pick a step by `dueAt`.
    event TracePosted(uint256 indexed id, bytes32[] stepHashes, uint64 dueAt);
    /// @notice The validator agrees with v_s and disputes v_{s+1}; the provider must reveal both by `dueAt`.
    event StepPicked(uint256 indexed id, uint32 s, uint64 dueAt);
    /// @notice The provider revealed v_s and v_{s+1}; the validator must prove an entry wrong by `dueAt`.
    event StepRevealed(uint256 indexed id, uint32 s, bytes vs, bytes vs1, uint64 dueAt);
    /// @notice A fault of the provider was proven: `slashed` taken from its stake, part of it paid to `prover`.
    event ChallengeFaulted(
        uint256 indexed id, address indexed provider, bytes32 fault, address prover, uint256 slashed
    );
    /// @notice The validator's accusation failed on-chain: its bond went to the provider.
    event AccusationFailed(uint256 indexed id, address validator);
    /// @notice The validator did not act in time: the provider claimed its bond.
    event ChallengeAbandoned(uint256 indexed id, address indexed validator, address indexed provider, uint256 bond);
    /// @notice The parameter admin set (or, with n = 0, removed) a model's challenge size.
    event ModelSet(bytes32 indexed model, uint32 n, uint32 steps, uint32 deadlineSeconds);
    /// @notice The parameter admin changed the parameters.
    event ProofParametersChanged(Parameters parameters);
    /// @notice The admin proposed `pendingAdmin`; it becomes admin when it calls `acceptAdmin`.
    event AdminTransferStarted(address indexed admin, address indexed pendingAdmin);
    /// @notice `newAdmin` accepted and is now the admin.
    event AdminTransferred(address indexed previousAdmin, address indexed newAdmin);

    // ---------------------------------------------------------------- errors

    /// @notice The caller is not an active validator (admitted, with free stake >= minStake).
    error ProofNotActiveValidator(address caller);
    /// @notice The provider is not registered, or is jailed.
    error ProofProviderNotChallengeable(address provider);
    /// @notice The model is not in the table; the parameter admin adds it with `setModel`.
    error ProofUnknownModel(bytes32 model);
    /// @notice No challenge has this id.
    error ProofUnknownChallenge(uint256 id);
    /// @notice The action needs the challenge in another phase (`expected`), it is in `actual`.
    error ProofWrongPhase(uint256 id, ChallengePhase actual, ChallengePhase expected);
    /// @notice The dispute round is `actual`; the action belongs to `expected`.
    error ProofWrongStage(uint256 id, DisputeStage actual, DisputeStage expected);
    /// @notice Only `expected` (the challenge's provider or validator) may do this.
    error ProofWrongCaller(uint256 id, address caller, address expected);
    /// @notice The seed's block hash is not available yet (same block) or any more (older than 256 blocks).
    error ProofSeedUnavailable(uint256 id, uint64 seedBlock, uint256 currentBlock);
    /// @notice The answer came after its deadline `dueAt`.
    error ProofTooLate(uint256 id, uint64 dueAt, uint64 now_);
    /// @notice The deadline `dueAt` has not passed yet, so nothing is late or abandoned.
    error ProofNotYetDue(uint256 id, uint64 dueAt, uint64 now_);
    /// @notice A root of zero cannot commit to anything.
    error ProofZeroRoot(uint256 id);
    /// @notice `what` has `length` bytes or entries where `expected` were needed.
    error ProofBadLength(uint256 id, bytes32 what, uint256 length, uint256 expected);
    /// @notice Byte `index` of `what` is `value`, not a residue mod 127.
    error ProofNotResidue(uint256 id, bytes32 what, uint256 index, uint256 value);
    /// @notice The row is not one of the audit's k opened rows.
    error ProofRowNotAudited(uint256 id, uint32 row);
    /// @notice The revealed row is not the demanded one (`expected`).
    error ProofWrongRow(uint256 id, uint32 row, uint32 expected);
    /// @notice The Merkle proof of the revealed row does not lead to the committed root.
    error ProofBadMerkleProof(uint256 id, uint32 row);
    /// @notice The vector index is not below t (or the step is not below L+1, or the entry not below n).
    error ProofIndexOutOfRange(uint256 id, bytes32 what, uint256 value, uint256 limit);
    /// @notice A posted hash does not match what it must equal (`what`: "v_0", "v_last", "v_s", "v_s+1").
    error ProofHashMismatch(uint256 id, bytes32 what, bytes32 posted, bytes32 expected);
    /// @notice A model's size is invalid: n must be a positive multiple of 4, steps and deadline positive.
    error ProofInvalidModelSize(bytes32 model, uint32 n, uint32 steps, uint32 deadlineSeconds);
    /// @notice Only the admin (`expected`) may do this.
    error ProofNotAdmin(address caller, address expected);
    /// @notice Only the proposed admin (`expected`) may accept the role.
    error ProofNotPendingAdmin(address caller, address expected);
    /// @notice A parameter is outside its allowed range.
    error ProofParameterOutOfBounds(bytes32 name, uint256 value, uint256 min, uint256 max);

    // ---------------------------------------------------------------- challenge

    /// @notice Challenges GPU `gpuIndex` of `provider` as `model` (an active validator only; locks `challengeBond`).
    /// The seed is the hash of this transaction's block, so nobody knows the work before it is included.
    function challenge(address provider, bytes32 model, uint32 gpuIndex) external returns (uint256 id);

    /// @notice Stores the challenge's seed (blockhash of its block) and work id. Anyone, from the next block on,
    /// within 256 blocks. `commit` does it too when nobody did.
    function fixSeed(uint256 id) external;

    /// @notice The provider commits to the Merkle root of Y's rows, by `deadlineAt`.
    function commit(uint256 id, bytes32 root) external;

    /// @notice Stores the audit seed (blockhash of the commit block) and the audit id. Anyone, from the block
    /// after the commit on, within 256 blocks. `respond` does it too when nobody did.
    function fixAuditSeed(uint256 id) external;

    /// @notice The provider posts y_1‖…‖y_t (t·n residues), within `responseWindow` of its commit.
    function respond(uint256 id, bytes calldata products) external;

    /// @notice The challenging validator attests, having verified the opening off-chain; releases its bond.
    /// @param score measured speed: expectedMs·10_000/elapsedMs, elapsed = committedAt − challengedAt.
    function attest(uint256 id, uint32 score) external;

    // ---------------------------------------------------------------- faults and disputes

    /// @notice Anyone proves a missed deadline: no commit by `deadlineAt`, no response within the window, or an
    /// unanswered dispute round. Slashes the provider, rewards the caller.
    function proveLate(uint256 id) external;

    /// @notice The validator demands audited row `row`, after the response (opening missing or wrong off-chain).
    function demandRow(uint256 id, uint32 row) external;

    /// @notice The provider reveals the demanded row with its Merkle proof; the contract checks row·r_t against
    /// every y_t[row]: a mismatch is fault "row-inconsistent", agreement dismisses the accusation.
    function revealRow(uint256 id, uint32 row, bytes calldata values, bytes32[] calldata proof) external;

    /// @notice The validator disputes product y_t (0-based t), after the response.
    function disputeProducts(uint256 id, uint8 t) external;

    /// @notice The provider posts sha256 of v_0..v_{L+1} of its trace for y_t: L+2 hashes, the first sha256(r_t),
    /// the last sha256(y_t).
    function postTrace(uint256 id, bytes32[] calldata stepHashes) external;

    /// @notice The validator agrees with v_s and disputes v_{s+1} (s in 0..L).
    function pickStep(uint256 id, uint32 s) external;

    /// @notice The provider reveals v_s and v_{s+1}, checked against its posted hashes.
    function revealStep(uint256 id, bytes calldata vs, bytes calldata vs1) external;

    /// @notice The validator names entry `j` of v_{s+1}; the contract recomputes it from v_s in O(n):
    /// a mismatch is fault "bad-step", agreement dismisses the accusation.
    function proveStep(uint256 id, uint32 j) external;

    /// @notice The provider claims the validator's bond when the validator did not attest or did not play its
    /// dispute round within `responseWindow`. No attestation is written.
    function claimAbandoned(uint256 id) external;

    // ---------------------------------------------------------------- parameters

    /// @notice Sets (n > 0) or removes (n = 0, steps = 0, deadline = 0) a model's challenge size (admin only).
    function setModel(bytes32 model, uint32 n, uint32 steps, uint32 deadlineSeconds) external;

    /// @notice Sets the parameters, each checked against its bounds (admin only).
    function setParameters(Parameters calldata parameters) external;

    /// @notice Proposes `newAdmin`; nothing changes until it calls `acceptAdmin` (admin only).
    function transferAdmin(address newAdmin) external;

    /// @notice The proposed admin takes the role.
    function acceptAdmin() external;

    // ---------------------------------------------------------------- views

    /// @notice The challenge (phase None for an unknown id).
    function getChallenge(uint256 id) external view returns (Challenge memory);

    /// @notice The products y_1‖…‖y_t the provider posted (empty before the response).
    function productsOf(uint256 id) external view returns (bytes memory);

    /// @notice The trace hashes posted in the dispute (empty before `postTrace`).
    function traceOf(uint256 id) external view returns (bytes32[] memory);

    /// @notice The current attestation of one GPU (all zero when none, or cleared by a fault).
    function attestationOf(address provider, bytes32 model, uint32 gpuIndex) external view returns (Attestation memory);

    /// @notice True when every GPU index 0..max(1, gpuCount)−1 of `provider` holds an unexpired attestation for `model`.
    function isVerified(address provider, bytes32 model, uint16 gpuCount) external view returns (bool);

    /// @notice The challenge size of `model` (all zero when not in the table).
    function modelSize(bytes32 model) external view returns (ModelSize memory);

    /// @notice The parameters.
    function parameters() external view returns (Parameters memory);

    /// @notice Number of challenges issued; ids run from 1 to this.
    function challengeCount() external view returns (uint256);

    /// @notice The admin and the proposed next admin (zero when none).
    function roles() external view returns (address admin, address pendingAdmin);
}
