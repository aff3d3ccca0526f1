#!/usr/bin/env node
import '../src/cli/sas-check.ts';
