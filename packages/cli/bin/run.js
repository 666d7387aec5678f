#!/usr/bin/env node
// reflect-metadata must be loaded before tsyringe is imported anywhere (core, engine, plug-ins).
import 'reflect-metadata';
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
