import type { Command } from 'commander';
import type { CommandHost } from '../host.js';
import { register as componentRender } from './component-render.js';
import { register as configCommands } from './config.js';
import { register as componentList } from './component-list.js';
import { register as componentQuery } from './component-query.js';
import { register as rpmautospec } from './rpmautospec.js';
import { register as componentUpdate } from './component-update.js';
import { register as componentHistory } from './component-history.js';
import { register as componentBuild } from './component-build.js';
import { register as repoCommands } from './repo.js';
import { register as componentDiffSources } from './component-diff-sources.js';
import { register as componentPrepareSources } from './component-prepare-sources.js';
import { register as specCommands } from './spec.js';
import { register as verifyCommand } from './verify.js';
import { register as cveCommands } from './cve.js';
import { register as rebaseCommands } from './rebase.js';
import { register as imageCommands } from './image.js';
import { register as reportCommand } from './report.js';

/** Each command module exports `register(program, host)`; add new ones here. */
type Register = (program: Command, host: CommandHost) => void;

export const registrations: Register[] = [componentRender, configCommands, componentList, componentQuery, rpmautospec, componentUpdate, componentHistory, componentBuild, repoCommands, componentDiffSources, componentPrepareSources, specCommands, verifyCommand, cveCommands, rebaseCommands, imageCommands, reportCommand];
