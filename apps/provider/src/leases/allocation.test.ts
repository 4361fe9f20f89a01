import { describe, expect, it } from "vitest";
import { GpuAllocator } from "./allocation.js";

describe("GpuAllocator", () => {
  it("never gives one GPU to two owners", () => {
    const gpus = new GpuAllocator(["0", "1", "2"]);
    expect(gpus.allocate("lease:1", 2)).toEqual(["0", "1"]);
    expect(gpus.allocate("lease:2", 2)).toBeNull();
    expect(gpus.allocate("lease:2", 1)).toEqual(["2"]);
    expect(gpus.free).toEqual([]);
    expect(gpus.utilization()).toBe(1);
  });
  it("is idempotent per owner and frees on release", () => {
    const gpus = new GpuAllocator(["0", "1"]);
    expect(gpus.allocate("a", 1)).toEqual(["0"]);
    expect(gpus.allocate("a", 1)).toEqual(["0"]);
    gpus.release("a");
    expect(gpus.free).toEqual(["0", "1"]);
  });
  it("hands a won reservation's GPUs to the lease", () => {
    const gpus = new GpuAllocator(["0", "1"]);
    gpus.allocate("request:7", 2);
    expect(gpus.transfer("request:7", "lease:3")).toEqual(["0", "1"]);
    expect(gpus.heldBy("request:7")).toEqual([]);
    expect(gpus.allocate("lease:3", 2)).toEqual(["0", "1"]);
  });
});
