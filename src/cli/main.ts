#!/usr/bin/env node
/**
 * The `mobilenet` command. Each subcommand lives in its own file and exports
 * `run(argv): Promise<number>`; this file only dispatches and turns errors into one line.
 */
import { runMain } from '../run-main.js';

type Command = { run(argv: string[]): Promise<number>; describe: string };

const COMMANDS: Record<string, () => Promise<Command>> = {
  summary: () => import('./summary.js'),
  cost: () => import('./cost.js'),
  train: () => import('./train.js'),
  eval: () => import('./eval.js'),
  predict: () => import('./predict.js'),
  embed: () => import('./embed.js'),
  serve: () => import('./serve.js'),
  bench: () => import('./bench.js'),
  export: () => import('./export.js'),
  pretrained: () => import('./pretrained.js'),
  quantize: () => import('./quantize.js'),
};

async function usage(): Promise<string> {
  const lines = ['usage: mobilenet <command> [options]   (mobilenet <command> --help for its options)', '', 'commands:'];
  for (const [name, load] of Object.entries(COMMANDS)) {
    lines.push(`  ${name.padEnd(9)} ${(await load()).describe}`);
  }
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(await usage());
    return cmd === undefined ? 2 : 0;
  }
  const load = COMMANDS[cmd];
  if (!load) {
    console.error(`mobilenet: unknown command ${JSON.stringify(cmd)} (expected one of ${Object.keys(COMMANDS).join(', ')})`);
    return 2;
  }
  return (await load()).run(rest);
}

void runMain('mobilenet', main);
