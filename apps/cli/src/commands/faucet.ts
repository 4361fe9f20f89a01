// `ocx faucet`: free OCX and ETH on the local chain, from anvil's account 0 (the treasury).
import { ANVIL_KEYS } from "@ocx/node-kit";
import { formatOcx, OcxUsageError, transferSync } from "@ocx/sdk";
import { Command } from "commander";
import { createWalletClient, http, numberToHex, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { actingAddress, parseAddress, parseOcxArgument } from "../chain.js";
import { createContext } from "../context.js";

const ETH_GRANT = parseEther("10");

export function faucetCommand(): Command {
  return new Command("faucet")
    .description("send OCX and 10 ETH to an address on the local chain (31337)")
    .argument("[address]", "who gets them (default: the acting wallet)")
    .option("--amount <ocx>", "OCX to send", "1000")
    .addHelpText(
      "after",
      `
Only on the local chain that \`ocx devnet\` starts: the OCX comes from anvil's account 0 (the
treasury) and the ETH is minted with anvil_setBalance.

Examples:
  $ ocx faucet
  $ ocx faucet 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --amount 5000 --json
`,
    )
    .action(async (addressArg: string | undefined, options: { amount: string }, command: Command) => {
      const given = addressArg === undefined ? undefined : parseAddress(addressArg);
      const amount = parseOcxArgument(options.amount, "--amount");
      const context = await createContext(command);
      if (context.chain.id !== 31337) {
        throw new OcxUsageError(`the faucet only works on the local chain (31337); this is chain ${context.chain.id}`);
      }
      const to = given ?? (await actingAddress(context));
      const treasury = createWalletClient({
        chain: context.chain,
        transport: http(context.options.rpcUrl),
        account: privateKeyToAccount(ANVIL_KEYS[0]),
        pollingInterval: 100,
      });
      const { receipt } = await transferSync(treasury, { deployment: context.deployment, to, value: amount });
      const eth = (await context.publicClient.getBalance({ address: to })) + ETH_GRANT;
      await context.publicClient.request({
        method: "anvil_setBalance" as never,
        params: [to, numberToHex(eth)] as never,
      });
      context.print(`sent ${formatOcx(amount)} and 10 ETH to ${to}`, {
        address: to,
        ocx: amount,
        eth: ETH_GRANT,
        transaction: receipt.transactionHash,
      });
    });
}
