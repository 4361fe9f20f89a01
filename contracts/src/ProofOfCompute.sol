// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IProofOfCompute} from "./interfaces/IProofOfCompute.sol";
import {IProviderRegistry} from "./interfaces/IProviderRegistry.sol";
import {IValidatorRegistry} from "./interfaces/IValidatorRegistry.sol";
import {ProofMath} from "./libraries/ProofMath.sol";
import {ProofChecks} from "./ProofChecks.sol";

/// @title ProofOfCompute
/// @notice Hardware challenges, attestations and the on-chain fraud proofs that settle them.
/// @dev The protocol is described on IProofOfCompute and in docs/contracts.md. This contract holds no tokens:
/// bonds are locked, released and forfeited in the ValidatorRegistry (BOND_ROLE), and faults are slashed by the
/// ProviderRegistry (SLASHER_ROLE). Both are the protocol's own contracts and move only the OCX token, which has
/// no transfer hooks, so the external calls below cannot re-enter. Each state change happens before them.
/// One admin with a two-step transfer, as the marketplace's (OpenZeppelin's AccessControl does not fit under the
/// 24 KiB code limit beside the fraud proofs).
contract ProofOfCompute is IProofOfCompute {
    uint96 public constant MAX_AMOUNT = 10_000_000 ether;
    uint16 public constant MAX_BPS = 10_000;
    uint32 public constant MIN_RESPONSE_WINDOW = 10;
    uint32 public constant MAX_RESPONSE_WINDOW = 7 days;
    uint32 public constant MIN_ATTESTATION_TTL = 60;
    uint32 public constant MAX_ATTESTATION_TTL = 365 days;
    uint16 public constant MAX_OPENED_ROWS = 1024;
    uint8 public constant MAX_REPETITIONS = 16;
    uint32 public constant MAX_N = 1 << 20;
    uint32 public constant MAX_STEPS = 1024;
    uint32 public constant MAX_DEADLINE = 1 days;

    bytes32 private constant FAULT_LATE = "late";
    bytes32 private constant FAULT_UNREVEALED = "unrevealed";
    bytes32 private constant FAULT_ROW_INCONSISTENT = "row-inconsistent";
    bytes32 private constant FAULT_BAD_STEP = "bad-step";

    /// @notice The registry whose providers are challenged and slashed.
    IProviderRegistry public immutable providers;
    /// @notice The registry whose validators challenge and bond.
    IValidatorRegistry public immutable validators;
    /// @notice ProofMath's larger checks, deployed apart to keep this contract under the code size limit.
    ProofChecks public immutable checks;

    /// @dev An attestation as stored: `epoch` must equal the (provider, model) epoch, which a fault bumps.
    struct StoredAttestation {
        uint32 score;
        uint64 expiresAt;
        address validator;
        uint64 challengeId;
        uint64 epoch;
    }

    uint256 private _challengeCount;
    mapping(uint256 id => Challenge) private _challenges;
    mapping(uint256 id => bytes) private _products;
    mapping(uint256 id => bytes32[]) private _traces;
    /// @dev v_s ‖ v_{s+1} revealed in a bisection, which `proveStep` reads.
    mapping(uint256 id => bytes) private _revealedStep;
    mapping(bytes32 gpu => StoredAttestation) private _attestations;
    mapping(bytes32 providerModel => uint64) private _epochs;
    mapping(bytes32 model => ModelSize) private _models;
    Parameters private _parameters;
    address private _admin;
    address private _pendingAdmin;

    modifier onlyAdmin() {
        if (msg.sender != _admin) revert ProofNotAdmin(msg.sender, _admin);
        _;
    }

    constructor(
        IProviderRegistry providers_,
        IValidatorRegistry validators_,
        ProofChecks checks_,
        address admin,
        Parameters memory parameters_
    ) {
        providers = providers_;
        validators = validators_;
        checks = checks_;
        _admin = admin;
        emit AdminTransferred(address(0), admin);
        _setParameters(parameters_);
    }

    // ---------------------------------------------------------------- challenge

    /// @inheritdoc IProofOfCompute
    function challenge(address provider, bytes32 model, uint32 gpuIndex) external returns (uint256 id) {
        if (!validators.isActive(msg.sender)) revert ProofNotActiveValidator(msg.sender);
        ModelSize memory size = _models[model];
        if (size.n == 0) revert ProofUnknownModel(model);
        IProviderRegistry.Provider memory p = providers.getProvider(provider);
        if (!p.registered || p.jailed) revert ProofProviderNotChallengeable(provider);
        Parameters memory params = _parameters;

        id = ++_challengeCount;
        Challenge storage c = _challenges[id];
        c.provider = provider;
        c.gpuIndex = gpuIndex;
        c.challengedAt = uint64(block.timestamp);
        c.validator = msg.sender;
        c.deadlineAt = uint64(block.timestamp) + size.deadlineSeconds;
        c.phase = ChallengePhase.Issued;
        c.model = model;
        c.n = size.n;
        c.steps = size.steps;
        c.k = params.openedRows < size.n ? uint32(params.openedRows) : size.n;
        c.t = params.repetitions;
        c.challengeBlock = uint64(block.number);
        c.bond = params.challengeBond;
        emit ChallengeIssued(id, provider, msg.sender, model, gpuIndex, size.n, size.steps, c.deadlineAt);
        validators.lockBond(msg.sender, params.challengeBond);
    }

    /// @inheritdoc IProofOfCompute
    function fixSeed(uint256 id) external {
        Challenge storage c = _existing(id);
        if (c.workId == 0) _fixSeed(id, c);
    }

    /// @inheritdoc IProofOfCompute
    function commit(uint256 id, bytes32 root) external {
        Challenge storage c = _inPhase(id, ChallengePhase.Issued);
        _onlyProvider(id, c);
        _notLate(id, c.deadlineAt);
        if (root == 0) revert ProofZeroRoot(id);
        if (c.workId == 0) _fixSeed(id, c);
        c.root = root;
        c.committedAt = uint64(block.timestamp);
        c.commitBlock = uint64(block.number);
        c.roundDeadline = uint64(block.timestamp) + _parameters.responseWindow;
        c.phase = ChallengePhase.Committed;
        emit ChallengeCommitted(id, c.workId, root, c.committedAt);
    }

    /// @inheritdoc IProofOfCompute
    function fixAuditSeed(uint256 id) external {
        Challenge storage c = _existing(id);
        if (c.commitBlock == 0) revert ProofWrongPhase(id, c.phase, ChallengePhase.Committed);
        if (c.auditId == 0) _fixAuditSeed(id, c);
    }

    /// @inheritdoc IProofOfCompute
    function respond(uint256 id, bytes calldata products) external {
        Challenge storage c = _inPhase(id, ChallengePhase.Committed);
        _onlyProvider(id, c);
        _notLate(id, c.roundDeadline);
        uint256 expected = uint256(c.t) * c.n;
        if (products.length != expected) revert ProofBadLength(id, "products", products.length, expected);
        _requireResidues(id, "products", products);
        if (c.auditId == 0) _fixAuditSeed(id, c);
        bytes32 productsHash = sha256(products);
        _products[id] = products;
        c.productsHash = productsHash;
        c.roundDeadline = uint64(block.timestamp) + _parameters.responseWindow;
        c.phase = ChallengePhase.Responded;
        emit ChallengeResponded(id, c.auditId, productsHash);
    }

    /// @inheritdoc IProofOfCompute
    function attest(uint256 id, uint32 score) external {
        Challenge storage c = _inPhase(id, ChallengePhase.Responded);
        _onlyValidator(id, c);
        _notLate(id, c.roundDeadline);
        c.phase = ChallengePhase.Attested;
        uint64 expiresAt = uint64(block.timestamp) + _parameters.attestationTtl;
        bytes32 providerModel = keccak256(abi.encode(c.provider, c.model));
        _attestations[keccak256(abi.encode(providerModel, c.gpuIndex))] = StoredAttestation({
            score: score,
            expiresAt: expiresAt,
            validator: msg.sender,
            challengeId: uint64(id), // ids count up from 1 by one per transaction: far below 2^64
            epoch: _epochs[providerModel]
        });
        emit Attested(c.provider, c.model, c.gpuIndex, score, expiresAt, id, msg.sender);
        validators.releaseBond(msg.sender, c.bond);
    }

    // ---------------------------------------------------------------- faults and disputes

    /// @inheritdoc IProofOfCompute
    function proveLate(uint256 id) external {
        Challenge storage c = _existing(id);
        ChallengePhase phase = c.phase;
        uint64 dueAt;
        bytes32 fault = FAULT_LATE;
        if (phase == ChallengePhase.Issued) {
            dueAt = c.deadlineAt;
        } else if (phase == ChallengePhase.Committed) {
            dueAt = c.roundDeadline;
        } else if (phase == ChallengePhase.Disputed && _providersTurn(c.stage)) {
            dueAt = c.roundDeadline;
            fault = FAULT_UNREVEALED;
        } else if (phase == ChallengePhase.Disputed) {
            revert ProofWrongStage(id, c.stage, DisputeStage.RowDemanded);
        } else {
            revert ProofWrongPhase(id, phase, ChallengePhase.Issued);
        }
        if (block.timestamp <= dueAt) revert ProofNotYetDue(id, dueAt, uint64(block.timestamp));
        _fault(id, c, fault, msg.sender);
    }

    /// @inheritdoc IProofOfCompute
    function demandRow(uint256 id, uint32 row) external {
        Challenge storage c = _openDispute(id);
        uint32[] memory rows = checks.auditRows(c.auditId, c.k, c.n);
        bool audited;
        for (uint256 i; i < rows.length; ++i) {
            if (rows[i] == row) {
                audited = true;
                break;
            }
        }
        if (!audited) revert ProofRowNotAudited(id, row);
        c.roundArg = row;
        uint64 dueAt = _nextRound(c, DisputeStage.RowDemanded);
        emit RowDemanded(id, row, dueAt);
    }

    /// @inheritdoc IProofOfCompute
    function revealRow(uint256 id, uint32 row, bytes calldata values, bytes32[] calldata proof) external {
        Challenge storage c = _inStage(id, DisputeStage.RowDemanded);
        _onlyProvider(id, c);
        _notLate(id, c.roundDeadline);
        if (row != c.roundArg) revert ProofWrongRow(id, row, c.roundArg);
        uint32 n = c.n;
        if (values.length != n) revert ProofBadLength(id, "row", values.length, n);
        _requireResidues(id, "row", values);
        if (!checks.verifyRow(c.root, row, n, values, proof)) revert ProofBadMerkleProof(id, row);
        emit RowRevealed(id, row);
        // The revealed row is the committed one, so row·r_t must equal the posted y_t[row] for every t.
        bytes memory products = _products[id];
        for (uint32 t; t < c.t; ++t) {
            uint256 expected = ProofMath.dot(values, ProofMath.auditVector(c.auditId, t, n));
            if (uint8(products[uint256(t) * n + row]) != expected) {
                _fault(id, c, FAULT_ROW_INCONSISTENT, c.validator);
                return;
            }
        }
        _dismiss(id, c);
    }

    /// @inheritdoc IProofOfCompute
    function disputeProducts(uint256 id, uint8 t) external {
        Challenge storage c = _openDispute(id);
        if (t >= c.t) revert ProofIndexOutOfRange(id, "t", t, c.t);
        c.disputedVector = t;
        uint64 dueAt = _nextRound(c, DisputeStage.TraceDue);
        emit ProductsDisputed(id, t, dueAt);
    }

    /// @inheritdoc IProofOfCompute
    function postTrace(uint256 id, bytes32[] calldata stepHashes) external {
        Challenge storage c = _inStage(id, DisputeStage.TraceDue);
        _onlyProvider(id, c);
        _notLate(id, c.roundDeadline);
        uint256 expected = uint256(c.steps) + 2;
        if (stepHashes.length != expected) revert ProofBadLength(id, "stepHashes", stepHashes.length, expected);
        uint32 n = c.n;
        uint8 t = c.disputedVector;
        bytes32 first = sha256(ProofMath.auditVector(c.auditId, t, n));
        if (stepHashes[0] != first) revert ProofHashMismatch(id, "v_0", stepHashes[0], first);
        bytes32 last = sha256(_slice(_products[id], uint256(t) * n, n));
        if (stepHashes[expected - 1] != last) revert ProofHashMismatch(id, "v_last", stepHashes[expected - 1], last);
        _traces[id] = stepHashes;
        uint64 dueAt = _nextRound(c, DisputeStage.StepPickDue);
        emit TracePosted(id, stepHashes, dueAt);
    }

    /// @inheritdoc IProofOfCompute
    function pickStep(uint256 id, uint32 s) external {
        Challenge storage c = _inStage(id, DisputeStage.StepPickDue);
        _onlyValidator(id, c);
        _notLate(id, c.roundDeadline);
        if (s > c.steps) revert ProofIndexOutOfRange(id, "s", s, uint256(c.steps) + 1);
        c.roundArg = s;
        uint64 dueAt = _nextRound(c, DisputeStage.StepRevealDue);
        emit StepPicked(id, s, dueAt);
    }

    /// @inheritdoc IProofOfCompute
    function revealStep(uint256 id, bytes calldata vs, bytes calldata vs1) external {
        Challenge storage c = _inStage(id, DisputeStage.StepRevealDue);
        _onlyProvider(id, c);
        _notLate(id, c.roundDeadline);
        uint32 n = c.n;
        if (vs.length != n) revert ProofBadLength(id, "v_s", vs.length, n);
        if (vs1.length != n) revert ProofBadLength(id, "v_s+1", vs1.length, n);
        _requireResidues(id, "v_s", vs);
        _requireResidues(id, "v_s+1", vs1);
        uint32 s = c.roundArg;
        bytes32[] storage trace = _traces[id];
        bytes32 hs = sha256(vs);
        if (hs != trace[s]) revert ProofHashMismatch(id, "v_s", trace[s], hs);
        bytes32 hs1 = sha256(vs1);
        if (hs1 != trace[s + 1]) revert ProofHashMismatch(id, "v_s+1", trace[s + 1], hs1);
        _revealedStep[id] = bytes.concat(vs, vs1);
        uint64 dueAt = _nextRound(c, DisputeStage.StepProofDue);
        emit StepRevealed(id, s, vs, vs1, dueAt);
    }

    /// @inheritdoc IProofOfCompute
    function proveStep(uint256 id, uint32 j) external {
        Challenge storage c = _inStage(id, DisputeStage.StepProofDue);
        _onlyValidator(id, c);
        _notLate(id, c.roundDeadline);
        uint32 n = c.n;
        if (j >= n) revert ProofIndexOutOfRange(id, "j", j, n);
        bytes memory revealed = _revealedStep[id];
        uint8 entry = checks.traceStepEntry(c.workId, n, c.steps, c.roundArg, _slice(revealed, 0, n), j);
        if (uint8(revealed[uint256(n) + j]) != entry) _fault(id, c, FAULT_BAD_STEP, msg.sender);
        else _dismiss(id, c);
    }

    /// @inheritdoc IProofOfCompute
    function claimAbandoned(uint256 id) external {
        Challenge storage c = _existing(id);
        _onlyProvider(id, c);
        ChallengePhase phase = c.phase;
        bool validatorsTurn =
            phase == ChallengePhase.Responded || (phase == ChallengePhase.Disputed && !_providersTurn(c.stage));
        if (!validatorsTurn) {
            if (phase == ChallengePhase.Disputed) revert ProofWrongStage(id, c.stage, DisputeStage.StepPickDue);
            revert ProofWrongPhase(id, phase, ChallengePhase.Responded);
        }
        if (block.timestamp <= c.roundDeadline) revert ProofNotYetDue(id, c.roundDeadline, uint64(block.timestamp));
        c.phase = ChallengePhase.Dismissed;
        c.stage = DisputeStage.None;
        emit ChallengeAbandoned(id, c.validator, c.provider, c.bond);
        validators.forfeitBond(c.validator, c.bond, c.provider);
    }

    // ---------------------------------------------------------------- parameters

    /// @inheritdoc IProofOfCompute
    function setModel(bytes32 model, uint32 n, uint32 steps, uint32 deadlineSeconds) external onlyAdmin {
        bool removal = n == 0 && steps == 0 && deadlineSeconds == 0;
        bool valid = n >= 4 && n % 4 == 0 && n <= MAX_N && steps >= 1 && steps <= MAX_STEPS && deadlineSeconds >= 1
            && deadlineSeconds <= MAX_DEADLINE;
        if (model == 0 || !(removal || valid)) revert ProofInvalidModelSize(model, n, steps, deadlineSeconds);
        if (removal) delete _models[model];
        else _models[model] = ModelSize({n: n, steps: steps, deadlineSeconds: deadlineSeconds});
        emit ModelSet(model, n, steps, deadlineSeconds);
    }

    /// @inheritdoc IProofOfCompute
    function setParameters(Parameters calldata parameters_) external onlyAdmin {
        _setParameters(parameters_);
    }

    /// @inheritdoc IProofOfCompute
    function transferAdmin(address newAdmin) external onlyAdmin {
        _pendingAdmin = newAdmin;
        emit AdminTransferStarted(msg.sender, newAdmin);
    }

    /// @inheritdoc IProofOfCompute
    function acceptAdmin() external {
        if (msg.sender != _pendingAdmin || msg.sender == address(0)) {
            revert ProofNotPendingAdmin(msg.sender, _pendingAdmin);
        }
        emit AdminTransferred(_admin, msg.sender);
        _admin = msg.sender;
        _pendingAdmin = address(0);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IProofOfCompute
    function getChallenge(uint256 id) external view returns (Challenge memory) {
        return _challenges[id];
    }

    /// @inheritdoc IProofOfCompute
    function productsOf(uint256 id) external view returns (bytes memory) {
        return _products[id];
    }

    /// @inheritdoc IProofOfCompute
    function traceOf(uint256 id) external view returns (bytes32[] memory) {
        return _traces[id];
    }

    /// @inheritdoc IProofOfCompute
    function attestationOf(address provider, bytes32 model, uint32 gpuIndex)
        public
        view
        returns (Attestation memory attestation)
    {
        bytes32 providerModel = keccak256(abi.encode(provider, model));
        StoredAttestation memory stored = _attestations[keccak256(abi.encode(providerModel, gpuIndex))];
        if (stored.validator == address(0) || stored.epoch != _epochs[providerModel]) return attestation;
        return Attestation({
            score: stored.score,
            expiresAt: stored.expiresAt,
            validator: stored.validator,
            challengeId: stored.challengeId
        });
    }

    /// @inheritdoc IProofOfCompute
    function isVerified(address provider, bytes32 model, uint16 gpuCount) external view returns (bool) {
        uint256 count = gpuCount == 0 ? 1 : gpuCount;
        for (uint256 i; i < count; ++i) {
            // i < gpuCount <= type(uint16).max
            if (attestationOf(provider, model, uint32(i)).expiresAt <= block.timestamp) return false;
        }
        return true;
    }

    /// @inheritdoc IProofOfCompute
    function modelSize(bytes32 model) external view returns (ModelSize memory) {
        return _models[model];
    }

    /// @inheritdoc IProofOfCompute
    function parameters() external view returns (Parameters memory) {
        return _parameters;
    }

    /// @inheritdoc IProofOfCompute
    function challengeCount() external view returns (uint256) {
        return _challengeCount;
    }

    /// @inheritdoc IProofOfCompute
    function roles() external view returns (address admin, address pendingAdmin) {
        return (_admin, _pendingAdmin);
    }

    // ---------------------------------------------------------------- internal

    function _existing(uint256 id) private view returns (Challenge storage c) {
        c = _challenges[id];
        if (c.phase == ChallengePhase.None) revert ProofUnknownChallenge(id);
    }

    function _inPhase(uint256 id, ChallengePhase phase) private view returns (Challenge storage c) {
        c = _existing(id);
        if (c.phase != phase) revert ProofWrongPhase(id, c.phase, phase);
    }

    function _inStage(uint256 id, DisputeStage stage) private view returns (Challenge storage c) {
        c = _inPhase(id, ChallengePhase.Disputed);
        if (c.stage != stage) revert ProofWrongStage(id, c.stage, stage);
    }

    /// @dev The validator opens a dispute: after the response, within the window it had to attest.
    function _openDispute(uint256 id) private view returns (Challenge storage c) {
        c = _inPhase(id, ChallengePhase.Responded);
        _onlyValidator(id, c);
        _notLate(id, c.roundDeadline);
    }

    function _onlyProvider(uint256 id, Challenge storage c) private view {
        if (msg.sender != c.provider) revert ProofWrongCaller(id, msg.sender, c.provider);
    }

    function _onlyValidator(uint256 id, Challenge storage c) private view {
        if (msg.sender != c.validator) revert ProofWrongCaller(id, msg.sender, c.validator);
    }

    function _notLate(uint256 id, uint64 dueAt) private view {
        if (block.timestamp > dueAt) revert ProofTooLate(id, dueAt, uint64(block.timestamp));
    }

    function _providersTurn(DisputeStage stage) private pure returns (bool) {
        return
            stage == DisputeStage.RowDemanded || stage == DisputeStage.TraceDue || stage == DisputeStage.StepRevealDue;
    }

    /// @dev Moves the dispute to `stage`, due one response window from now.
    function _nextRound(Challenge storage c, DisputeStage stage) private returns (uint64 dueAt) {
        dueAt = uint64(block.timestamp) + _parameters.responseWindow;
        c.phase = ChallengePhase.Disputed;
        c.stage = stage;
        c.roundDeadline = dueAt;
    }

    /// @dev Bytes [start, start + length) of `data` (the caller keeps within its length).
    function _slice(bytes memory data, uint256 start, uint256 length) private pure returns (bytes memory out) {
        out = new bytes(length);
        assembly ("memory-safe") {
            mcopy(add(out, 32), add(add(data, 32), start), length)
        }
    }

    function _requireResidues(uint256 id, bytes32 what, bytes calldata values) private pure {
        if (ProofMath.isResidues(values)) return;
        // Only on the way to a revert: find the first offending byte for the error.
        for (uint256 i; i < values.length; ++i) {
            if (uint8(values[i]) >= 127) revert ProofNotResidue(id, what, i, uint8(values[i]));
        }
    }

    function _fixSeed(uint256 id, Challenge storage c) private {
        bytes32 seed = blockhash(c.challengeBlock);
        if (seed == 0) revert ProofSeedUnavailable(id, c.challengeBlock, block.number);
        bytes32 workId = ProofMath.challengeId(
            seed, c.provider, c.gpuIndex, _labelHash(c.model), c.n, c.steps, uint32(c.deadlineAt - c.challengedAt)
        );
        c.seed = seed;
        c.workId = workId;
        emit ChallengeSeedFixed(id, seed, workId);
    }

    function _fixAuditSeed(uint256 id, Challenge storage c) private {
        bytes32 auditSeed = blockhash(c.commitBlock);
        if (auditSeed == 0) revert ProofSeedUnavailable(id, c.commitBlock, block.number);
        bytes32 auditId = ProofMath.auditId(auditSeed, c.workId, c.root, c.k, c.t);
        c.auditId = auditId;
        emit AuditSeedFixed(id, auditSeed, auditId);
    }

    /// @dev A proven fault: the provider is slashed, `prover` rewarded, its attestations for the model cleared,
    /// and the validator's bond released.
    function _fault(uint256 id, Challenge storage c, bytes32 fault, address prover) private {
        c.phase = ChallengePhase.Faulted;
        c.stage = DisputeStage.None;
        address provider = c.provider;
        // Bumping the epoch voids every attestation of (provider, model) at once.
        ++_epochs[keccak256(abi.encode(provider, c.model))];
        Parameters memory params = _parameters;
        validators.releaseBond(c.validator, c.bond);
        uint256 slashed = providers.slash(provider, params.faultSlash, fault, prover, params.rewardBps);
        emit ChallengeFaulted(id, provider, fault, prover, slashed);
    }

    /// @dev The accusation failed on-chain: the validator's bond goes to the provider.
    function _dismiss(uint256 id, Challenge storage c) private {
        c.phase = ChallengePhase.Dismissed;
        c.stage = DisputeStage.None;
        emit AccusationFailed(id, c.validator);
        validators.forfeitBond(c.validator, c.bond, c.provider);
    }

    /// @dev sha256 of a left-aligned ASCII label without its zero padding: sha256("cpu") for the label "cpu",
    /// the model hash of packages/proofs `encodeChallenge`.
    function _labelHash(bytes32 label) private pure returns (bytes32) {
        uint256 length;
        while (length < 32 && label[length] != 0) ++length;
        bytes memory name = abi.encodePacked(label);
        assembly ("memory-safe") {
            mstore(name, length) // the label without its zero padding
        }
        return sha256(name);
    }

    function _setParameters(Parameters memory p) private {
        _bound("challengeBond", p.challengeBond, 1, MAX_AMOUNT);
        _bound("faultSlash", p.faultSlash, 1, MAX_AMOUNT);
        _bound("rewardBps", p.rewardBps, 0, MAX_BPS);
        _bound("responseWindow", p.responseWindow, MIN_RESPONSE_WINDOW, MAX_RESPONSE_WINDOW);
        _bound("attestationTtl", p.attestationTtl, MIN_ATTESTATION_TTL, MAX_ATTESTATION_TTL);
        _bound("openedRows", p.openedRows, 1, MAX_OPENED_ROWS);
        _bound("repetitions", p.repetitions, 1, MAX_REPETITIONS);
        _parameters = p;
        emit ProofParametersChanged(p);
    }

    function _bound(bytes32 name, uint256 value, uint256 min, uint256 max) private pure {
        if (value < min || value > max) revert ProofParameterOutOfBounds(name, value, min, max);
    }
}
