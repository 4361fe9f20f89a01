// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

import {IMarketplace} from "../../../src/interfaces/IMarketplace.sol";
import {IProviderRegistry} from "../../../src/interfaces/IProviderRegistry.sol";
import {Marketplace} from "../../../src/Marketplace.sol";
import {OcxToken} from "../../../src/OcxToken.sol";
import {ProviderRegistry} from "../../../src/ProviderRegistry.sol";
import {Vm} from "../../utils/Test.sol";

/// @notice Drives the marketplace and the registry for the invariant tests, acting as several
/// buyers, providers, the slasher and the parameter admin. Every input is bounded, and each action
/// picks an existing offer, lease or request in a state where the call can succeed.
/// @dev Ghost sums are kept from what the handler sees from the outside: the amounts it passes, the
/// amounts returned, token balance changes, and the marketplace's events. A reverted action rolls
/// them back with everything else.
contract MarketHandler {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    bytes32 internal constant H100 = "nvidia-h100-80gb";
    bytes32 internal constant REGION = "eu-west";
    uint256 internal constant BPS = 10_000;
    uint256 internal constant MAX_DEPOSIT = 2_000 ether;
    uint128 internal constant MAX_PRICE = 1e15;

    Marketplace public immutable market;
    ProviderRegistry public immutable registry;
    OcxToken public immutable token;
    address public immutable admin;
    address public immutable slasher;

    address[] public buyers;
    address[] public providers;
    uint256[] public offerIds;
    uint256[] public leaseIds;
    uint256[] public requestIds;

    /// @notice The handler's clock; every action runs at this time.
    uint256 public currentTime;
    uint256 public immutable initialSupply;
    uint256 public immutable initialBuyerBalances;

    // ---------------------------------------------------------------- ghost sums

    uint256 public ghostDeposited; // takes + top-ups + request deposits
    uint256 public ghostRefunded; // what came back to buyers (their balance changes)
    uint256 public ghostWithdrawn; // what providers withdrew as earnings
    uint256 public ghostFlushed; // fees flushed (burned)
    uint256 public ghostPaid; // escrow paid out by settlements (events)
    uint256 public ghostFees; // the fee part of it (events)
    uint256 public ghostStaked; // initial stakes + stake()
    uint256 public ghostUnstaked; // withdrawUnbonded()
    uint256 public ghostSlashed; // slash() (burned)

    mapping(uint256 leaseId => uint256) public leaseDeposited; // deposit + top-ups
    mapping(uint256 leaseId => uint256) public leasePaid;
    mapping(uint256 leaseId => uint256) public leaseFees;
    mapping(uint256 leaseId => uint256) public leaseRefunded;
    mapping(uint256 leaseId => uint256) public leaseAckAt;
    /// @notice GPU units a lease won at auction committed (0 for offer leases, which use their offer's).
    mapping(uint256 leaseId => uint256) public auctionLeaseUnits;
    /// @notice Each provider's API signer key (the provider's index + 1), which signs its quotes.
    mapping(address provider => uint256) public signerKey;
    mapping(address provider => uint64) internal _nextNonce;

    /// @notice Observations that contradict the money rules; the invariants require zero.
    uint256 public feeMismatches; // a settlement whose fee is not paid * the lease's feeBps / 10000
    uint256 public refundMismatches; // refund events that disagree with buyers' balance changes
    uint256 public transferMismatches; // withdraw / flush / stake moved other amounts than reported
    uint256 public lateRefundMismatches; // a cancelled lease not refunded in full
    uint256 public buyerLosses; // a step in which buyers lost more than they deposited

    /// @notice Successful actions and outcomes, by name.
    mapping(bytes32 name => uint256) public calls;
    bytes32[] internal _callNames;

    uint256 private _stepDeposit;

    constructor(
        Marketplace market_,
        ProviderRegistry registry_,
        OcxToken token_,
        address admin_,
        address slasher_,
        address[] memory buyers_,
        address[] memory providers_
    ) {
        market = market_;
        registry = registry_;
        token = token_;
        admin = admin_;
        slasher = slasher_;
        buyers = buyers_;
        providers = providers_;
        currentTime = block.timestamp;
        for (uint256 i; i < providers_.length; ++i) {
            signerKey[providers_[i]] = uint256(keccak256(abi.encode("ocx-handler-signer", i)));
        }
        initialSupply = token_.totalSupply();
        uint256 sum;
        for (uint256 i; i < buyers_.length; ++i) {
            sum += token_.balanceOf(buyers_[i]);
        }
        initialBuyerBalances = sum;
        for (uint256 i; i < providers_.length; ++i) {
            IProviderRegistry.Provider memory p = registry_.getProvider(providers_[i]);
            ghostStaked += uint256(p.stake) + p.unbonding;
        }
        bytes32[27] memory names = [
            bytes32("postOffer"),
            "withdrawOffer",
            "takeOffer",
            "acknowledge",
            "cancel",
            "cancelLate",
            "settle",
            "settlement",
            "topUp",
            "close",
            "complete",
            "closed:Completed",
            "closed:ClosedByBuyer",
            "closed:Cancelled",
            "closed:Exhausted",
            "withdraw",
            "flushFees",
            "postRequest",
            "bid",
            "acceptBid",
            "closeAuction:won",
            "closeAuction:refunded",
            "cancelRequest",
            "stake",
            "requestUnstake",
            "withdrawUnbonded",
            "slash"
        ];
        for (uint256 i; i < names.length; ++i) {
            _callNames.push(names[i]);
        }
        _callNames.push("takeQuote");
        _callNames.push("updateOffer");
        _callNames.push("acknowledgeMany");
        _callNames.push("completeMany");
        _callNames.push("unjail");
        _callNames.push("setFee");
        _callNames.push("warp");
    }

    // ---------------------------------------------------------------- step bookkeeping

    modifier step() {
        vm.warp(currentTime);
        uint256 before = buyerBalances();
        _stepDeposit = 0;
        vm.recordLogs();
        _;
        _afterStep(before);
    }

    function _afterStep(uint256 before) private {
        // Buyers only ever lose what they deposited in this step; anything else coming back is a refund.
        uint256 now_ = buyerBalances() + _stepDeposit;
        if (now_ < before) {
            ++buyerLosses; // buyers lost more than they deposited
            return;
        }
        uint256 refunded = now_ - before;
        ghostRefunded += refunded;
        if (_consumeLogs() != refunded) ++refundMismatches;
    }

    /// @dev Books the marketplace's events of this step; returns the refunds they report.
    function _consumeLogs() private returns (uint256 refunds) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory log = logs[i];
            if (log.emitter != address(market) || log.topics.length == 0) continue;
            bytes32 sig = log.topics[0];
            if (sig == IMarketplace.LeaseSettled.selector) {
                uint256 id = uint256(log.topics[1]);
                (uint256 paid, uint256 fee,) = abi.decode(log.data, (uint256, uint256, uint256));
                uint256 feeBps = market.getLease(id).feeBps; // fixed when the lease was created
                leasePaid[id] += paid;
                leaseFees[id] += fee;
                ghostPaid += paid;
                ghostFees += fee;
                if (fee != paid * feeBps / BPS) ++feeMismatches;
                ++calls["settlement"];
            } else if (sig == IMarketplace.LeaseClosed.selector) {
                uint256 id = uint256(log.topics[1]);
                (uint8 reason, uint256 refund) = abi.decode(log.data, (uint8, uint256));
                leaseRefunded[id] += refund;
                refunds += refund;
                if (reason == uint8(IMarketplace.CloseReason.Completed)) ++calls["closed:Completed"];
                else if (reason == uint8(IMarketplace.CloseReason.ClosedByBuyer)) ++calls["closed:ClosedByBuyer"];
                else if (reason == uint8(IMarketplace.CloseReason.Cancelled)) ++calls["closed:Cancelled"];
                else ++calls["closed:Exhausted"];
            } else if (sig == IMarketplace.LeaseAcknowledged.selector) {
                leaseAckAt[uint256(log.topics[1])] = abi.decode(log.data, (uint256));
            } else if (sig == IMarketplace.RequestCancelled.selector) {
                refunds += abi.decode(log.data, (uint256));
            }
        }
    }

    function _deposit(uint256 amount) private {
        ghostDeposited += amount;
        _stepDeposit += amount;
    }

    function _warpTo(uint256 t) private {
        if (t > currentTime) {
            currentTime = t;
            vm.warp(t);
        }
    }

    function _bound(uint256 x, uint256 min, uint256 max) private pure returns (uint256) {
        if (max <= min) return min;
        uint256 size = max - min;
        if (size == type(uint256).max) return x;
        return min + (x % (size + 1));
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }

    /// @dev Whether the registry lets `who` commit `extra` more GPU units (0: whether it may be unjailed).
    function _hasCapacity(address who, uint256 extra) private view returns (bool) {
        IProviderRegistry.Provider memory p = registry.getProvider(who);
        if (extra != 0 && p.jailed) return false;
        return p.stake >= registry.requiredStake(p.committedGpus + extra);
    }

    function _buyer(uint256 seed) private view returns (address) {
        return buyers[seed % buyers.length];
    }

    function _provider(uint256 seed) private view returns (address) {
        return providers[seed % providers.length];
    }

    function _bundle(uint256 gpuCount) private pure returns (IMarketplace.Resources memory) {
        return IMarketplace.Resources({
            gpuModel: H100,
            region: REGION,
            gpuCount: uint16(gpuCount),
            gpuVramMiB: 81_559,
            cpuMillicores: 16_000,
            memoryMiB: 131_072,
            diskMiB: 512_000
        });
    }

    /// @dev The first lease at or after `seed`'s position (cyclically) in `state`; 0 when none.
    function _pickLease(uint256 seed, IMarketplace.LeaseState state) private view returns (uint256) {
        uint256 n = leaseIds.length;
        for (uint256 i; i < n; ++i) {
            uint256 id = leaseIds[(seed % n + i) % n];
            if (market.getLease(id).state == state) return id;
        }
        return 0;
    }

    /// @dev The first open request at or after `seed`'s position; with `biddable`, only one still taking bids.
    function _pickRequest(uint256 seed, bool biddable) private view returns (uint256) {
        uint256 n = requestIds.length;
        for (uint256 i; i < n; ++i) {
            uint256 id = requestIds[(seed % n + i) % n];
            IMarketplace.Request memory r = market.getRequest(id);
            if (r.state != IMarketplace.RequestState.Open) continue;
            if (biddable && currentTime >= r.biddingDeadline) continue;
            return id;
        }
        return 0;
    }

    // ---------------------------------------------------------------- views for the invariants

    function buyerBalances() public view returns (uint256 sum) {
        for (uint256 i; i < buyers.length; ++i) {
            sum += token.balanceOf(buyers[i]);
        }
    }

    function buyerCount() external view returns (uint256) {
        return buyers.length;
    }

    function providerCount() external view returns (uint256) {
        return providers.length;
    }

    function leaseCount() external view returns (uint256) {
        return leaseIds.length;
    }

    function requestCount() external view returns (uint256) {
        return requestIds.length;
    }

    function callNames() external view returns (bytes32[] memory) {
        return _callNames;
    }

    // ---------------------------------------------------------------- offers and leases

    function postOffer(uint256 providerSeed, uint256 gpuSeed, uint256 priceSeed, uint256 leasesSeed, uint256 durSeed)
        external
        step
    {
        _postOffer(providerSeed, gpuSeed, priceSeed, leasesSeed, durSeed);
    }

    function _postOffer(uint256 providerSeed, uint256 gpuSeed, uint256 priceSeed, uint256 leasesSeed, uint256 durSeed)
        private
        returns (uint256 offerId)
    {
        uint32 maxDuration = uint32(_bound(durSeed, 60, 3 days));
        uint32 minDuration = uint32(_bound(durSeed >> 64, 0, _min(maxDuration, 1 hours)));
        address who = _provider(providerSeed);
        uint256 gpus = _bound(gpuSeed, 0, 2);
        uint256 maxLeases = _bound(leasesSeed, 1, 3);
        // Skip what the registry would refuse: a jailed provider, or too little stake for the commitment.
        if (!_hasCapacity(who, (gpus == 0 ? 1 : gpus) * maxLeases)) return 0;
        vm.prank(who);
        offerId = market.postOffer(
            _bundle(gpus), uint128(_bound(priceSeed, 1, MAX_PRICE)), uint16(maxLeases), minDuration, maxDuration
        );
        offerIds.push(offerId);
        ++calls["postOffer"];
    }

    function withdrawOffer(uint256 offerSeed) external step {
        uint256 n = offerIds.length;
        for (uint256 i; i < n; ++i) {
            uint256 offerId = offerIds[(offerSeed % n + i) % n];
            IMarketplace.Offer memory o = market.getOffer(offerId);
            if (o.state == IMarketplace.OfferState.Withdrawn) continue;
            vm.prank(o.provider);
            market.withdrawOffer(offerId);
            ++calls["withdrawOffer"];
            return;
        }
    }

    /// @notice A buyer takes an offer that has room; when none has, a provider posts one first.
    function takeOffer(uint256 buyerSeed, uint256 offerSeed, uint256 depositSeed) external step {
        uint256 n = offerIds.length;
        uint256 offerId;
        for (uint256 i; i < n && offerId == 0; ++i) {
            uint256 id = offerIds[(offerSeed % n + i) % n];
            IMarketplace.Offer memory o = market.getOffer(id);
            if (o.state != IMarketplace.OfferState.Active || o.activeLeases >= o.maxLeases) continue;
            if (registry.isActive(o.provider)) offerId = id;
        }
        if (offerId == 0) {
            offerId = _postOffer(offerSeed, offerSeed >> 8, depositSeed >> 16, offerSeed >> 24, depositSeed >> 32);
            if (offerId == 0) return;
        }
        IMarketplace.Offer memory offer = market.getOffer(offerId);
        uint256 minimum = _min(uint256(offer.pricePerSecond) * offer.minDuration, MAX_DEPOSIT);
        uint256 maximum = _min(uint256(offer.pricePerSecond) * offer.maxDuration, MAX_DEPOSIT);
        uint128 deposit = uint128(_bound(depositSeed, minimum == 0 ? 1 : minimum, maximum));
        vm.prank(_buyer(buyerSeed));
        uint256 leaseId = market.takeOffer(offerId, offer.pricePerSecond, keccak256(abi.encode(depositSeed)), deposit);
        leaseIds.push(leaseId);
        leaseDeposited[leaseId] = deposit;
        _deposit(deposit);
        ++calls["takeOffer"];
    }

    /// @notice A buyer takes a quote its provider signed, at or below the offer's price, with a fresh nonce
    /// (sometimes skipping ahead: nonces are unordered).
    function takeQuote(uint256 buyerSeed, uint256 offerSeed, uint256 depositSeed) external step {
        uint256 n = offerIds.length;
        uint256 offerId;
        for (uint256 i; i < n && offerId == 0; ++i) {
            uint256 id = offerIds[(offerSeed % n + i) % n];
            IMarketplace.Offer memory o = market.getOffer(id);
            if (o.state != IMarketplace.OfferState.Active || o.activeLeases >= o.maxLeases) continue;
            if (registry.isActive(o.provider)) offerId = id;
        }
        if (offerId == 0) return;
        IMarketplace.Offer memory offer = market.getOffer(offerId);
        uint128 price = uint128(_bound(depositSeed >> 128, 1, offer.pricePerSecond));
        uint256 minimum = _min(uint256(price) * offer.minDuration, MAX_DEPOSIT);
        uint256 maximum = _min(uint256(price) * offer.maxDuration, MAX_DEPOSIT);
        uint128 deposit = uint128(_bound(depositSeed, minimum == 0 ? 1 : minimum, maximum));
        address who = _buyer(buyerSeed);
        uint64 nonce = _nextNonce[offer.provider] + uint64(offerSeed % 3);
        _nextNonce[offer.provider] = nonce + 1;
        IMarketplace.Quote memory quote = IMarketplace.Quote({
            offerId: offerId,
            buyer: who,
            pricePerSecond: price,
            manifestHash: keccak256(abi.encode(depositSeed)),
            nonce: nonce,
            expiry: uint64(currentTime + 60)
        });
        (uint8 v, bytes32 r, bytes32 sig) = vm.sign(signerKey[offer.provider], _quoteDigest(quote));
        vm.prank(who);
        uint256 leaseId = market.takeQuote(quote, abi.encodePacked(r, sig, v), deposit);
        leaseIds.push(leaseId);
        leaseDeposited[leaseId] = deposit;
        leaseAckAt[leaseId] = currentTime; // active from creation: no LeaseAcknowledged event
        _deposit(deposit);
        ++calls["takeQuote"];
    }

    function _quoteDigest(IMarketplace.Quote memory q) private view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256("OCX Marketplace"),
                keccak256("1"),
                block.chainid,
                address(market)
            )
        );
        bytes32 structHash = keccak256(
            abi.encode(market.QUOTE_TYPEHASH(), q.offerId, q.buyer, q.pricePerSecond, q.manifestHash, q.nonce, q.expiry)
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    /// @notice A provider changes an offer's capacity, sometimes below the leases it runs.
    function updateOffer(uint256 offerSeed, uint256 leasesSeed) external step {
        uint256 n = offerIds.length;
        for (uint256 i; i < n; ++i) {
            uint256 offerId = offerIds[(offerSeed % n + i) % n];
            IMarketplace.Offer memory o = market.getOffer(offerId);
            if (o.state == IMarketplace.OfferState.Withdrawn) continue;
            uint256 maxLeases = _bound(leasesSeed, 1, 4);
            uint256 units = o.resources.gpuCount == 0 ? 1 : o.resources.gpuCount;
            uint256 before = o.maxLeases > o.activeLeases ? o.maxLeases : o.activeLeases;
            uint256 after_ = maxLeases > o.activeLeases ? maxLeases : o.activeLeases;
            if (after_ > before && !_hasCapacity(o.provider, units * (after_ - before))) return;
            vm.prank(o.provider);
            market.updateOffer(offerId, o.pricePerSecond, uint16(maxLeases), o.minDuration, o.maxDuration);
            ++calls["updateOffer"];
            return;
        }
    }

    /// @notice A provider acknowledges all of its pending leases still within their deadline, in one call.
    function acknowledgeMany(uint256 providerSeed) external step {
        address who = _provider(providerSeed);
        uint256 n = leaseIds.length;
        uint256[] memory ids = new uint256[](n);
        uint256 k;
        for (uint256 i; i < n; ++i) {
            IMarketplace.Lease memory l = market.getLease(leaseIds[i]);
            if (l.provider != who || l.state != IMarketplace.LeaseState.Pending || currentTime > l.ackDeadline) {
                continue;
            }
            ids[k++] = leaseIds[i];
        }
        if (k == 0) return;
        assembly ("memory-safe") {
            mstore(ids, k)
        }
        vm.prank(who);
        market.acknowledgeMany(ids);
        ++calls["acknowledgeMany"];
    }

    /// @notice A provider completes all of its active leases in one call, each ended some seconds ago.
    function completeMany(uint256 providerSeed, uint256 endSeed) external step {
        address who = _provider(providerSeed);
        uint256 n = leaseIds.length;
        IMarketplace.Completion[] memory batch = new IMarketplace.Completion[](n);
        uint256 k;
        for (uint256 i; i < n; ++i) {
            IMarketplace.Lease memory l = market.getLease(leaseIds[i]);
            if (l.provider != who || l.state != IMarketplace.LeaseState.Active) continue;
            batch[k++] = IMarketplace.Completion({
                leaseId: leaseIds[i],
                resultHash: bytes32(endSeed),
                exitCode: 0,
                endedAt: uint64(currentTime - _bound(endSeed >> (i % 128), 0, 120))
            });
        }
        if (k == 0) return;
        assembly ("memory-safe") {
            mstore(batch, k)
        }
        vm.prank(who);
        market.completeMany(batch);
        ++calls["completeMany"];
    }

    function acknowledge(uint256 leaseSeed) external step {
        uint256 n = leaseIds.length;
        for (uint256 i; i < n; ++i) {
            uint256 id = leaseIds[(leaseSeed % n + i) % n];
            IMarketplace.Lease memory l = market.getLease(id);
            if (l.state != IMarketplace.LeaseState.Pending || currentTime > l.ackDeadline) continue;
            vm.prank(l.provider);
            market.acknowledge(id);
            ++calls["acknowledge"];
            return;
        }
    }

    /// @notice The buyer cancels a pending lease, or, with `late`, anyone does after its deadline.
    function cancel(uint256 leaseSeed, uint256 callerSeed, bool late) external step {
        uint256 id = _pickLease(leaseSeed, IMarketplace.LeaseState.Pending);
        if (id == 0) return;
        IMarketplace.Lease memory l = market.getLease(id);
        address caller = l.buyer;
        if (late) {
            _warpTo(uint256(l.ackDeadline) + 1 + (callerSeed % 1 hours));
            caller = callerSeed % 2 == 0 ? _provider(callerSeed) : address(uint160(0xC0FFEE + (callerSeed % 7)));
        }
        uint256 escrow = l.escrow;
        uint256 before = token.balanceOf(l.buyer);
        vm.prank(caller);
        market.cancel(id);
        if (token.balanceOf(l.buyer) != before + escrow) ++lateRefundMismatches;
        ++calls[late ? bytes32("cancelLate") : bytes32("cancel")];
    }

    function settle(uint256 leaseSeed, uint256 callerSeed) external step {
        uint256 id = _pickLease(leaseSeed, IMarketplace.LeaseState.Active);
        if (id == 0) return;
        vm.prank(callerSeed % 2 == 0 ? _buyer(callerSeed) : _provider(callerSeed));
        market.settle(id);
        ++calls["settle"];
    }

    function topUp(uint256 leaseSeed, uint256 amountSeed, bool otherPayer) external step {
        uint256 n = leaseIds.length;
        for (uint256 i; i < n; ++i) {
            uint256 id = leaseIds[(leaseSeed % n + i) % n];
            IMarketplace.Lease memory l = market.getLease(id);
            if (l.state != IMarketplace.LeaseState.Pending && l.state != IMarketplace.LeaseState.Active) continue;
            (uint256 owed, uint256 escrowLeft) = market.accrued(id);
            if (l.state == IMarketplace.LeaseState.Active && owed == l.escrow) continue; // exhausted
            uint256 maximum = uint256(l.pricePerSecond) * l.maxDuration;
            if (escrowLeft >= maximum) continue;
            uint256 amount = _bound(amountSeed, 1, _min(maximum - escrowLeft, MAX_DEPOSIT / 4));
            vm.prank(otherPayer ? _buyer(amountSeed >> 8) : l.buyer);
            market.topUp(id, uint128(amount));
            leaseDeposited[id] += amount;
            _deposit(amount);
            ++calls["topUp"];
            return;
        }
    }

    function close(uint256 leaseSeed) external step {
        uint256 id = _pickLease(leaseSeed, IMarketplace.LeaseState.Active);
        if (id == 0) return;
        vm.prank(market.getLease(id).buyer);
        market.close(id);
        ++calls["close"];
    }

    function complete(uint256 leaseSeed, bytes32 resultHash, int32 exitCode) external step {
        uint256 id = _pickLease(leaseSeed, IMarketplace.LeaseState.Active);
        if (id == 0) return;
        vm.prank(market.getLease(id).provider);
        market.complete(id, resultHash, exitCode, uint64(currentTime));
        ++calls["complete"];
    }

    /// @notice A provider withdraws, settling a subset (`mask`) of its leases on the way.
    function withdraw(uint256 providerSeed, uint256 mask) external step {
        address who = _provider(providerSeed);
        uint256 n = leaseIds.length;
        uint256[] memory ids = new uint256[](n);
        uint256 k;
        uint256 due = market.earningsOf(who);
        for (uint256 i; i < n; ++i) {
            uint256 id = leaseIds[i];
            if (market.getLease(id).provider != who || (mask >> (i % 256)) & 1 == 0) continue;
            ids[k++] = id;
            (uint256 owed,) = market.accrued(id);
            due += owed;
        }
        if (due == 0) return; // nothing to withdraw: the marketplace would revert
        assembly ("memory-safe") {
            mstore(ids, k)
        }
        uint256 before = token.balanceOf(who);
        vm.prank(who);
        uint256 amount = market.withdraw(ids);
        if (token.balanceOf(who) != before + amount) ++transferMismatches;
        ghostWithdrawn += amount;
        ++calls["withdraw"];
    }

    function flushFees() external step {
        uint256 supply = token.totalSupply();
        uint256 amount = market.flushFees();
        if (token.totalSupply() + amount != supply) ++transferMismatches;
        ghostFlushed += amount;
        if (amount != 0) ++calls["flushFees"];
    }

    // ---------------------------------------------------------------- requests and auctions

    function postRequest(uint256 buyerSeed, uint256 gpuSeed, uint256 priceSeed, uint256 depositSeed, uint256 window)
        external
        step
    {
        IMarketplace.Resources memory needs = _bundle(_bound(gpuSeed, 0, 2));
        if (gpuSeed % 3 == 0) needs.region = bytes32(0); // any region
        uint128 deposit = uint128(_bound(depositSeed, 1, MAX_DEPOSIT));
        vm.prank(_buyer(buyerSeed));
        uint256 requestId = market.postRequest(
            needs,
            uint128(_bound(priceSeed, 1, MAX_PRICE)),
            deposit,
            uint40(currentTime + _bound(window, 60, 2 hours)),
            keccak256(abi.encode(depositSeed))
        );
        requestIds.push(requestId);
        _deposit(deposit);
        ++calls["postRequest"];
    }

    function bid(uint256 requestSeed, uint256 providerSeed, uint256 priceSeed) external step {
        uint256 id = _pickRequest(requestSeed, true);
        if (id == 0) return;
        address who = _provider(providerSeed);
        uint256 gpus = market.getRequest(id).requirements.gpuCount;
        if (!_hasCapacity(who, gpus == 0 ? 1 : gpus)) return; // the registry would refuse the bid
        uint256 cap = market.bidOf(id, who);
        cap = cap == 0 ? market.getRequest(id).maxPricePerSecond : cap - 1;
        if (cap == 0) return;
        vm.prank(who);
        market.bid(id, uint128(_bound(priceSeed, 1, cap)), _bundle(2));
        ++calls["bid"];
    }

    function acceptBid(uint256 requestSeed, uint256 providerSeed) external step {
        uint256 id = _pickRequest(requestSeed, false);
        if (id == 0) return;
        for (uint256 i; i < providers.length; ++i) {
            address who = _provider(providerSeed % providers.length + i);
            uint256 gpus = market.getRequest(id).requirements.gpuCount;
            uint256 units = gpus == 0 ? 1 : gpus;
            // The lease commits the request's units: the bidder must still have the stake for them.
            if (market.bidOf(id, who) == 0 || !registry.isActive(who) || !_hasCapacity(who, units)) continue;
            uint256 deposit = market.getRequest(id).deposit;
            vm.prank(market.getRequest(id).buyer);
            uint256 leaseId = market.acceptBid(id, who);
            leaseIds.push(leaseId);
            leaseDeposited[leaseId] = deposit;
            auctionLeaseUnits[leaseId] = units;
            ++calls["acceptBid"];
            return;
        }
    }

    /// @notice Anyone closes an auction, waiting for its deadline first if need be.
    function closeAuction(uint256 requestSeed) external step {
        uint256 id = _pickRequest(requestSeed, false);
        if (id == 0) return;
        IMarketplace.Request memory r = market.getRequest(id);
        _warpTo(r.biddingDeadline);
        uint256 leaseId = market.closeAuction(id);
        if (leaseId != 0) {
            leaseIds.push(leaseId);
            leaseDeposited[leaseId] = r.deposit;
            auctionLeaseUnits[leaseId] = r.requirements.gpuCount == 0 ? 1 : r.requirements.gpuCount;
            ++calls["closeAuction:won"];
        } else {
            ++calls["closeAuction:refunded"];
        }
    }

    function cancelRequest(uint256 requestSeed) external step {
        uint256 id = _pickRequest(requestSeed, false);
        if (id == 0) return;
        vm.prank(market.getRequest(id).buyer);
        market.cancelRequest(id);
        ++calls["cancelRequest"];
    }

    // ---------------------------------------------------------------- stake

    function stake(uint256 providerSeed, uint256 amountSeed) external step {
        address who = _provider(providerSeed);
        uint256 amount = _bound(amountSeed, 1, 5_000 ether);
        uint256 before = token.balanceOf(address(registry));
        vm.prank(who);
        registry.stake(amount);
        if (token.balanceOf(address(registry)) != before + amount) ++transferMismatches;
        ghostStaked += amount;
        ++calls["stake"];
    }

    function requestUnstake(uint256 providerSeed, uint256 amountSeed) external step {
        address who = _provider(providerSeed);
        IProviderRegistry.Provider memory p = registry.getProvider(who);
        uint256 required = registry.requiredStake(p.committedGpus);
        if (p.stake <= required) return;
        vm.prank(who);
        registry.requestUnstake(_bound(amountSeed, 1, p.stake - required));
        ++calls["requestUnstake"];
    }

    /// @notice Withdraws unbonded stake, waiting for it (a long warp) when `wait` is set.
    function withdrawUnbonded(uint256 providerSeed, bool wait) external step {
        address who = _provider(providerSeed);
        IProviderRegistry.Provider memory p = registry.getProvider(who);
        if (p.unbonding == 0) return;
        if (wait) _warpTo(p.unbondingReadyAt);
        else if (currentTime < p.unbondingReadyAt) return;
        uint256 before = token.balanceOf(who);
        vm.prank(who);
        uint256 amount = registry.withdrawUnbonded();
        if (token.balanceOf(who) != before + amount) ++transferMismatches;
        ghostUnstaked += amount;
        ++calls["withdrawUnbonded"];
    }

    function slash(uint256 providerSeed, uint256 amountSeed) external step {
        uint256 supply = token.totalSupply();
        vm.prank(slasher);
        uint256 slashed = registry.slash(_provider(providerSeed), _bound(amountSeed, 1, 3_000 ether), "fuzz", address(0), 0);
        if (token.totalSupply() + slashed != supply) ++transferMismatches;
        ghostSlashed += slashed;
        ++calls["slash"];
    }

    function unjail(uint256 providerSeed) external step {
        address who = _provider(providerSeed);
        if (!registry.getProvider(who).jailed || !_hasCapacity(who, 0)) return;
        vm.prank(who);
        registry.unjail();
        ++calls["unjail"];
    }

    // ---------------------------------------------------------------- parameters and time

    function setFee(uint256 feeSeed) external step {
        IMarketplace.Parameters memory p = market.parameters();
        p.feeBps = uint16(_bound(feeSeed, 0, market.MAX_FEE_BPS()));
        vm.prank(admin);
        market.setParameters(p);
        ++calls["setFee"];
    }

    /// @notice Moves time forward: mostly seconds to minutes, sometimes hours to days.
    function warp(uint256 seed) external step {
        uint256 by = seed % 4 == 0 ? _bound(seed >> 8, 1 hours, 3 days) : _bound(seed >> 8, 1, 10 minutes);
        _warpTo(currentTime + by);
        ++calls["warp"];
    }
}
