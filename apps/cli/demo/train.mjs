// The devnet's first job: a tiny training loop. It fits y = w·x + b to noisy samples of
// y = 3x + 2 by gradient descent, logs the loss as it learns, and writes the model it found.
import { mkdirSync, writeFileSync } from "node:fs";

let seed = 42;
// A fixed-seed generator, so every run learns from the same samples.
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2 ** 31;
  return seed / 2 ** 31;
};
const samples = Array.from({ length: 256 }, () => {
  const x = random() * 4 - 2;
  return { x, y: 3 * x + 2 + (random() - 0.5) * 0.2 };
});

let w = 0;
let b = 0;
const rate = 0.05;
const epochs = 200;
console.log(`training on ${samples.length} samples for ${epochs} epochs`);
for (let epoch = 1; epoch <= epochs; epoch++) {
  await new Promise((resolve) => setTimeout(resolve, 10)); // a pause per epoch, as a real step would take
  let dw = 0;
  let db = 0;
  let loss = 0;
  for (const { x, y } of samples) {
    const error = w * x + b - y;
    loss += error * error;
    dw += 2 * error * x;
    db += 2 * error;
  }
  w -= (rate * dw) / samples.length;
  b -= (rate * db) / samples.length;
  if (epoch % 25 === 0 || epoch === 1)
    console.log(`epoch ${epoch}: loss ${(loss / samples.length).toFixed(5)}  w=${w.toFixed(4)} b=${b.toFixed(4)}`);
}
mkdirSync("out", { recursive: true });
writeFileSync("out/model.json", `${JSON.stringify({ w, b, epochs, samples: samples.length }, null, 2)}\n`);
console.log(`learned y = ${w.toFixed(3)}·x + ${b.toFixed(3)} (truth: y = 3x + 2); model written to out/model.json`);
