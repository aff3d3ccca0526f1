#!/usr/bin/env node
import '../src/cli/sas-guard.ts';
