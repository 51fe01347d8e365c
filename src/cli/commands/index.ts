import type { Command } from 'commander';
import type { CommandHost } from '../host.js';

/** Each command module exports `register(program, host)`; add new ones here. */
type Register = (program: Command, host: CommandHost) => void;

export const registrations: Register[] = [];
