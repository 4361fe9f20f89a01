// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.28;

/// @notice The two console.log forms our invariant tests print with (forge shows them with -vv).
/// forge-std is not available; forge intercepts calls to this fixed address.
library console {
    address internal constant CONSOLE = 0x000000000000000000636F6e736F6c652e6c6f67;

    function log(string memory label) internal {
        (bool ok,) = CONSOLE.call(abi.encodeWithSignature("log(string)", label));
        ok;
    }

    function log(string memory label, uint256 value) internal {
        (bool ok,) = CONSOLE.call(abi.encodeWithSignature("log(string,uint256)", label, value));
        ok;
    }
}
