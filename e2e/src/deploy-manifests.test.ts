// The deployment files (Dockerfile, .dockerignore, docker-compose.yml, k8s/) checked against the code
// they run. No Docker engine or cluster runs here, so this checks what can be checked without one: that
// they parse (k8s/ as `kubectl kustomize` builds the base and each overlay), run package scripts on files
// the build produces, set only env vars the apps read and with values the apps accept, run one worker per
// queue, and probe ports and paths the real apps answer.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { parse, parseAllDocuments } from 'yaml';
import { adminConfigSchema } from '@hookfleet/admin';
import { baseConfigSchema, parseConfig } from '@hookfleet/config';
import type { TestEnvironment } from '@hookfleet/devkit';
import { ingressConfigSchema, startIngress, type RunningIngress } from '@hookfleet/ingress';
import {
  QUEUE_NAMES,
  TASK_TYPES,
  closeEventQueues,
  createEventQueues,
  createRedisConnection,
  enqueueEvents,
  retryPolicyOf,
  waitUntilReady,
  type EnqueueEvent,
} from '@hookfleet/queue';
import { workerConfigSchema } from '@hookfleet/worker';
import { startStack, testEnvironment, type Stack } from './harness.js';
import { ALERTS_FILE, DASHBOARD_FILE, PROMETHEUS_FILE, prometheusConfig, scrapeTargets } from './monitoring-assets.js';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const readRepoFile = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

/** Where the Dockerfile's runtime stage puts the repository. */
const IMAGE_ROOT = '/app';
const COMPOSE_FILE = 'docker-compose.yml';
const K8S_DIR = 'k8s';

type App = 'ingress' | 'admin' | 'worker';
/** What a container runs: an app, or the migrate command of @hookfleet/db. */
type Target = App | 'migrate';

const TARGET_BY_PACKAGE: Record<string, Target> = {
  '@hookfleet/ingress': 'ingress',
  '@hookfleet/admin': 'admin',
  '@hookfleet/worker': 'worker',
  '@hookfleet/db': 'migrate',
};
const SCRIPT_BY_TARGET: Record<Target, string> = {
  ingress: 'start',
  admin: 'start',
  worker: 'start',
  migrate: 'migrate',
};

/** The ports the apps listen on by default, which the manifests keep (the ingress adds METRICS_PORT). */
const APP_BY_PORT: Record<number, App> = { 3001: 'ingress', 3002: 'admin', 8088: 'worker' };

/** The env names the migrate command reads: it has no schema, it reads process.env itself. */
function migrateEnvNames(): string[] {
  return [...readRepoFile('packages/db/src/migrate-cli.ts').matchAll(/process\.env\.([A-Z0-9_]+)/g)].map(
    (match) => match[1]!,
  );
}

const ENV_NAMES: Record<Target, ReadonlySet<string>> = {
  ingress: new Set(Object.keys(ingressConfigSchema.shape)),
  admin: new Set(Object.keys(adminConfigSchema.shape)),
  worker: new Set(Object.keys(workerConfigSchema.shape)),
  migrate: new Set(migrateEnvNames()),
};

interface ParsedEnv {
  /** The port the app listens on with this env. */
  port?: number;
  /** The ingress's METRICS_PORT: with it, /metrics and /health move there (the probes answer on both). */
  metricsPort?: number;
  workerQueues?: string[];
  workerShutdownTimeoutMs?: number;
}

/** Parses env exactly as the target's main.ts does; throws naming every bad key. */
function parseTargetEnv(target: Target, env: Record<string, string>): ParsedEnv {
  switch (target) {
    case 'ingress': {
      const config = parseConfig(ingressConfigSchema, env);
      return { port: config.WEBHOOK_PORT, metricsPort: config.METRICS_PORT };
    }
    case 'admin':
      return { port: parseConfig(adminConfigSchema, env).ADMIN_PORT };
    case 'worker': {
      const config = parseConfig(workerConfigSchema, env);
      return {
        port: config.WORKER_HEALTH_PORT,
        workerQueues: config.WORKER_QUEUES,
        workerShutdownTimeoutMs: config.WORKER_SHUTDOWN_TIMEOUT_MS,
      };
    }
    case 'migrate':
      // It reads DATABASE_URL alone; the apps' base schema says what a good one is.
      expect([...ENV_NAMES.migrate]).toEqual(['DATABASE_URL']);
      parseConfig(baseConfigSchema.pick({ DATABASE_URL: true }), env);
      return {};
  }
}

/** Every port the app listens on with this env. */
const listeningPorts = (parsed: ParsedEnv) =>
  [parsed.port, parsed.metricsPort].filter((port): port is number => port !== undefined);
/** Where the app serves /metrics with this env. */
const metricsPortOf = (parsed: ParsedEnv) => parsed.metricsPort ?? parsed.port;

// ---------------------------------------------------------------------------------------------------
// YAML files

interface YamlFile {
  path: string;
  problems: string[];
  documents: unknown[];
}

function listK8sYamlFiles(dir = K8S_DIR): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name);
    if (entry.isDirectory()) return listK8sYamlFiles(path);
    return /\.ya?ml$/.test(entry.name) ? [path] : [];
  });
}

function loadYaml(path: string): YamlFile {
  // Compose files use `<<` merge keys.
  const parsed = parseAllDocuments(readRepoFile(path), { merge: true });
  const problems = parsed.flatMap((document) =>
    [...document.errors, ...document.warnings].map((problem) => `${path}: ${problem.message}`),
  );
  return {
    path,
    problems,
    documents: problems.length > 0 ? [] : parsed.map((document) => document.toJS() as unknown).filter(Boolean),
  };
}

let yamlFiles: YamlFile[] | undefined;
function allYamlFiles(): YamlFile[] {
  yamlFiles ??= [COMPOSE_FILE, ...listK8sYamlFiles()].map(loadYaml);
  return yamlFiles;
}

// ---------------------------------------------------------------------------------------------------
// Dockerfile

interface DockerInstruction {
  keyword: string;
  args: string;
}
interface DockerStage {
  name: string | undefined;
  base: string;
  instructions: DockerInstruction[];
}

function parseDockerfile(text: string): DockerStage[] {
  const lines = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const stages: DockerStage[] = [];
  for (const line of lines) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') {
      const words = args.split(/\s+/).filter((word) => !word.startsWith('--'));
      stages.push({ base: words[0]!, name: words[2], instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ keyword: keyword.toUpperCase(), args });
    }
  }
  return stages;
}

/** The stage and the stages it is built FROM, base first. */
function stageChain(stages: DockerStage[], stage: DockerStage): DockerStage[] {
  const parent = stages.find((candidate) => candidate.name === stage.base);
  return parent ? [...stageChain(stages, parent), stage] : [stage];
}

const dockerStages = () => parseDockerfile(readRepoFile('Dockerfile'));
const runtimeStage = () => dockerStages().at(-1)!;

/** Walks the runtime stage: the image's working directory, command and the paths it copies in. */
function runtimeImage(): { workingDir: string; command: string[]; copiedPaths: string[]; user: string | undefined } {
  let workingDir = '/';
  let command: string[] = [];
  let user: string | undefined;
  const copiedPaths: string[] = [];
  for (const { keyword, args } of runtimeStage().instructions) {
    if (keyword === 'WORKDIR') workingDir = posix.resolve(workingDir, args);
    if (keyword === 'CMD') command = JSON.parse(args) as string[];
    if (keyword === 'USER') user = args;
    if (keyword === 'COPY') {
      const words = args.split(/\s+/).filter((word) => !word.startsWith('--'));
      const destination = posix.resolve(workingDir, words.at(-1)!);
      const sources = words.slice(0, -1);
      for (const source of sources) {
        copiedPaths.push(
          sources.length > 1 || words.at(-1)!.endsWith('/')
            ? posix.join(destination, posix.basename(source))
            : destination,
        );
      }
    }
  }
  return { workingDir, command, copiedPaths, user };
}

/** .dockerignore's matching: globs on paths from the context root; a directory's match covers its files. */
function dockerignoreMatcher(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const negated = line.startsWith('!');
      const pattern = posix
        .normalize(negated ? line.slice(1).trim() : line)
        .replace(/^\/+/, '')
        .replace(/\/+$/, '');
      return { negated, regex: globToRegExp(pattern) };
    });
  return (path) => {
    const selfAndParents = path.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const rule of rules) {
      if (selfAndParents.some((candidate) => rule.regex.test(candidate))) ignored = !rule.negated;
    }
    return ignored;
  };
}

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        source += '(?:.*/)?';
      } else {
        source += '.*';
      }
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

// ---------------------------------------------------------------------------------------------------
// Workloads: every process a file starts from the Hookfleet image, in one shape for Compose and Kubernetes

interface Workload {
  /** Where it is written, for failure messages. */
  where: string;
  /** The Compose service or the Kubernetes object it belongs to. */
  owner: string;
  ownerKind: string;
  image: string | undefined;
  workingDir: string;
  command: string[];
  /** Env names the file sets on this process itself (not through a shared ConfigMap or Secret). */
  ownEnvNames: string[];
  /** The env the process starts with, as far as the files say. */
  env: Record<string, string>;
  /** Every port the files tie to this process: listened on, published, probed, targeted by a Service. */
  ports: Array<{ what: string; port: number }>;
  /** HTTP probes and healthchecks. */
  probes: Array<{ what: string; kind: string; port: number; path: string }>;
  /** The container ports Services send traffic to (Kubernetes only). */
  servicePorts: number[];
  /** Where the pod's annotations (prometheus.io/scrape, /port, /path) tell Prometheus to scrape it. */
  scrapes: Array<{ what: string; port: number; path: string }>;
  /** The ConfigMaps and Secrets it reads env from, as "Kind/name". */
  configSources: string[];
  /** References to ConfigMaps, Secrets or their keys that no file defines (and that are not optional). */
  danglingReferences: string[];
  /** How long a stop waits before SIGKILL. */
  stopGraceMs: number;
}

interface ResolvedCommand {
  target: Target;
  packageDir: string;
  scriptName: string;
  /** The file the script runs, relative to the package: dist/*.js. */
  builtFile: string;
}

/**
 * Finds the package script the workload runs: its working directory must be a workspace package in the
 * image, and its command that package's script word for word (run with node, not pnpm: the image has
 * no pnpm, and node as PID 1 gets SIGTERM itself).
 */
function resolveCommand(workload: Pick<Workload, 'where' | 'workingDir' | 'command'>): ResolvedCommand {
  const packageDir = posix.relative(IMAGE_ROOT, workload.workingDir);
  if (packageDir.startsWith('..') || !existsSync(join(REPO_ROOT, packageDir, 'package.json'))) {
    throw new Error(`${workload.where}: working directory ${workload.workingDir} is no package under ${IMAGE_ROOT}`);
  }
  const manifest = JSON.parse(readRepoFile(posix.join(packageDir, 'package.json'))) as {
    name: string;
    scripts?: Record<string, string>;
  };
  const commandLine = workload.command.join(' ');
  const script = Object.entries(manifest.scripts ?? {}).find(
    ([, line]) => line.trim().split(/\s+/).join(' ') === commandLine,
  );
  if (!script) {
    throw new Error(`${workload.where}: \`${commandLine}\` is none of ${manifest.name}'s scripts`);
  }
  const target = TARGET_BY_PACKAGE[manifest.name];
  if (!target) throw new Error(`${workload.where}: ${manifest.name} is not a deployable package`);
  const builtFile = script[1].split(/\s+/).find((word) => word.endsWith('.js'));
  if (!builtFile) throw new Error(`${workload.where}: script ${script[0]} runs no .js file`);
  return { target, packageDir, scriptName: script[0], builtFile };
}

/** Compose's and Docker's `${NAME:-default}` interpolation, with nothing set but what compose requires. */
function interpolate(value: string): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, _name, operator: string | undefined, argument: string | undefined) => {
      if (match === '$$') return '$';
      if (operator?.endsWith('-')) return argument ?? '';
      // `${NAME:?message}`: compose refuses to start until the operator sets it; stand in a value.
      if (operator?.endsWith('?')) return 'set-by-the-operator-0123456789';
      return '';
    },
  );
}

function parseDuration(text: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) throw new Error(`bad duration ${text}`);
  return parts.reduce((total, [, amount, unit]) => total + Number(amount) * units[unit!]!, 0);
}

const HEALTHCHECK_URL = /https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):(\d+)(\/[^'"\s)]*)/g;

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  working_dir?: string;
  command?: string | string[];
  environment?: Record<string, unknown> | string[];
  ports?: Array<string | number | { target: number }>;
  healthcheck?: { test?: string | string[] };
  depends_on?: string[] | Record<string, { condition?: string }>;
  stop_grace_period?: string;
  profiles?: string[];
  expose?: Array<string | number>;
  volumes?: Array<string | { type?: string; source?: string; target: string }>;
}

function composeServices(): Record<string, ComposeService> {
  const file = allYamlFiles().find((candidate) => candidate.path === COMPOSE_FILE)!;
  const [compose] = file.documents as Array<{ services?: Record<string, ComposeService> }>;
  return compose?.services ?? {};
}

function composeEnvironment(service: ComposeService): Record<string, string> {
  const entries = Array.isArray(service.environment)
    ? service.environment.map((entry) => entry.split(/=(.*)/s, 2) as [string, string | undefined])
    : Object.entries(service.environment ?? {});
  return Object.fromEntries(entries.map(([name, value]) => [name, interpolate(value == null ? '' : String(value))]));
}

/** Services built from this repository, i.e. run on the Hookfleet image. */
const isHookfleetService = (service: ComposeService) => service.build !== undefined;

/**
 * The services that run public images: the stores every process needs, and Prometheus and Grafana, which
 * only `docker compose --profile monitoring up` starts.
 */
const THIRD_PARTY_SERVICES: Record<string, { image: RegExp; profiles?: string[] }> = {
  postgres: { image: /^postgres:15(\.|-|$)/ },
  redis: { image: /^redis:7(\.|-|$)/ },
  prometheus: { image: /^prom\/prometheus:v3\./, profiles: ['monitoring'] },
  grafana: { image: /^grafana\/grafana:\d/, profiles: ['monitoring'] },
};

/** The file or folder of this repository a bind mount shows at `containerPath` in the service, if one does. */
function mountedRepoPath(service: ComposeService, containerPath: string): string | undefined {
  for (const volume of service.volumes ?? []) {
    const [source, target] =
      typeof volume === 'string'
        ? volume.split(':')
        : [volume.type === 'bind' ? volume.source : undefined, volume.target];
    if (!source?.startsWith('.') || !target) continue;
    if (containerPath === target || containerPath.startsWith(`${target}/`)) {
      return posix.join(source, posix.relative(target, containerPath));
    }
  }
  return undefined;
}

function composeWorkloads(): Workload[] {
  const image = runtimeImage();
  return Object.entries(composeServices())
    .filter(([, service]) => isHookfleetService(service))
    .map(([name, service]) => {
      const where = `${COMPOSE_FILE} service ${name}`;
      const env = composeEnvironment(service);
      const ports = (service.ports ?? []).map((entry) => {
        const containerSide =
          typeof entry === 'object' ? entry.target : Number(String(entry).split(':').at(-1)!.split('/')[0]);
        return { what: `${where} ports ${JSON.stringify(entry)}`, port: containerSide };
      });
      const healthcheck = [service.healthcheck?.test ?? []].flat().join(' ');
      const probes = [...healthcheck.matchAll(HEALTHCHECK_URL)].map(([, port, path]) => ({
        what: `${where} healthcheck`,
        kind: 'healthcheck',
        port: Number(port),
        path: path!,
      }));
      return {
        where,
        owner: name,
        ownerKind: 'service',
        image: service.image,
        workingDir: service.working_dir ?? image.workingDir,
        command:
          typeof service.command === 'string' ? service.command.split(/\s+/) : (service.command ?? image.command),
        ownEnvNames: Object.keys(env),
        env,
        ports: [...ports, ...probes],
        probes,
        servicePorts: [],
        scrapes: [],
        configSources: [],
        danglingReferences: [],
        // Docker's own default.
        stopGraceMs: parseDuration(service.stop_grace_period ?? '10s'),
      };
    });
}

function composeDependencies(service: ComposeService): Record<string, string> {
  if (Array.isArray(service.depends_on)) {
    return Object.fromEntries(service.depends_on.map((name) => [name, 'service_started']));
  }
  return Object.fromEntries(
    Object.entries(service.depends_on ?? {}).map(([name, rule]) => [name, rule.condition ?? 'service_started']),
  );
}

// Kubernetes

interface KeyRef {
  name: string;
  key: string;
  optional?: boolean;
}
interface K8sContainer {
  name: string;
  image?: string;
  workingDir?: string;
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: unknown; valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef } }>;
  envFrom?: Array<{
    configMapRef?: { name: string; optional?: boolean };
    secretRef?: { name: string; optional?: boolean };
  }>;
  ports?: Array<{ name?: string; containerPort: number }>;
  livenessProbe?: { httpGet?: { path?: string; port: number | string } };
  readinessProbe?: { httpGet?: { path?: string; port: number | string } };
  startupProbe?: { httpGet?: { path?: string; port: number | string } };
  resources?: { requests?: { cpu?: string } };
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: { containers: K8sContainer[]; terminationGracePeriodSeconds?: number; restartPolicy?: string };
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
}
interface Workload8s extends K8sObject {
  spec: { replicas?: number; selector?: { matchLabels?: Record<string, string> }; template: PodTemplate };
}
interface ConfigObject extends K8sObject {
  data?: Record<string, unknown>;
  stringData?: Record<string, unknown>;
}
interface ServiceObject extends K8sObject {
  spec: { selector?: Record<string, string>; ports: Array<{ port: number; targetPort?: number | string }> };
}
interface HpaObject extends K8sObject {
  spec: {
    scaleTargetRef: { apiVersion: string; kind: string; name: string };
    minReplicas?: number;
    maxReplicas: number;
    metrics?: Array<{ type: string; resource?: { name: string } }>;
  };
}

/** The Kubernetes manifests as kustomize builds them: the base, and each overlay on top of it. */
const K8S_BASE = `${K8S_DIR}/base`;
const K8S_HPA = `${K8S_DIR}/overlays/hpa`;
const K8S_KEDA = `${K8S_DIR}/overlays/keda`;
const K8S_BUILDS = [K8S_BASE, K8S_HPA, K8S_KEDA] as const;
/** The Secret the builds leave out (the operator creates it): read beside every build. */
const K8S_EXAMPLE_SECRET = `${K8S_DIR}/example/secret.yaml`;
/** The Secret the KEDA overlay's TriggerAuthentication reads, also the operator's to create. */
const K8S_EXAMPLE_KEDA_SECRET = `${K8S_DIR}/example/keda-redis-secret.yaml`;

/**
 * k8s/ is read as `kubectl kustomize` builds it. Without kubectl (the README's quick start needs only Node)
 * those checks are skipped, named so in the report; CI (.ci/run) refuses to run without kubectl.
 */
const HAVE_KUBECTL = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
const NEEDS_KUBECTL = '(needs kubectl on the PATH, which builds kustomizations)';
const describeK8s = describe.skipIf(!HAVE_KUBECTL);

/** The objects `kubectl kustomize <dir>` prints, parsed. */
const kustomizeBuilds = new Map<string, K8sObject[]>();
function kustomize(dir: string): K8sObject[] {
  const cached = kustomizeBuilds.get(dir);
  if (cached) return cached;
  let output: string;
  try {
    output = execFileSync('kubectl', ['kustomize', resolve(REPO_ROOT, dir)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'kubectl is not on PATH: install kubectl (1.27 or later, which builds kustomizations itself) to check k8s/',
      );
    }
    throw new Error(`kubectl kustomize ${dir} failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
  const parsed = parseAllDocuments(output);
  const problems = parsed.flatMap((document) => [...document.errors, ...document.warnings]);
  if (problems.length > 0) throw new Error(`kubectl kustomize ${dir}: ${problems.map((p) => p.message).join('; ')}`);
  const objects = parsed.map((document) => document.toJS() as K8sObject).filter(Boolean);
  kustomizeBuilds.set(dir, objects);
  return objects;
}

/** What a build puts in the cluster, plus the Secret the operator adds; `file` says where each comes from. */
function k8sObjects(build: string): Array<{ file: string; object: K8sObject }> {
  const secret = loadYaml(K8S_EXAMPLE_SECRET);
  expect(secret.problems).toEqual([]);
  return [
    ...kustomize(build).map((object) => ({ file: build, object })),
    ...secret.documents.map((object) => ({ file: K8S_EXAMPLE_SECRET, object: object as K8sObject })),
  ];
}

const k8sOfKind = <T extends K8sObject>(build: string, kind: string) =>
  k8sObjects(build).filter(({ object }) => object.kind === kind) as Array<{ file: string; object: T }>;
const podOwners = (build: string) => [
  ...k8sOfKind<Workload8s>(build, 'Deployment'),
  ...k8sOfKind<Workload8s>(build, 'Job'),
];

/** A ConfigMap's or Secret's entries as env values (a Secret's `data` is base64). */
function configEntries(object: ConfigObject): Record<string, unknown> {
  const decoded = Object.entries(object.data ?? {}).map(([key, value]) =>
    object.kind === 'Secret' ? [key, Buffer.from(String(value), 'base64').toString('utf8')] : [key, value],
  );
  return { ...Object.fromEntries(decoded), ...object.stringData };
}

function findConfigObject(build: string, kind: 'ConfigMap' | 'Secret', name: string): ConfigObject | undefined {
  return k8sOfKind<ConfigObject>(build, kind).find(({ object }) => object.metadata.name === name)?.object;
}

const matchesSelector = (selector: Record<string, string>, labels: Record<string, string> = {}) =>
  Object.entries(selector).every(([key, value]) => labels[key] === value);

function k8sWorkloads(build: string): Workload[] {
  const image = runtimeImage();
  const services = k8sOfKind<ServiceObject>(build, 'Service');
  return podOwners(build).flatMap(({ file, object }) =>
    object.spec.template.spec.containers.map((container): Workload => {
      const where = `${file} ${object.kind} ${object.metadata.name} container ${container.name}`;
      const env: Record<string, string> = {};
      const configSources: string[] = [];
      const danglingReferences: string[] = [];
      /** The entries of a ConfigMap or Secret the container names; undefined for a missing optional one. */
      const entriesOf = (kind: 'ConfigMap' | 'Secret', ref: { name: string; optional?: boolean }) => {
        configSources.push(`${kind}/${ref.name}`);
        const found = findConfigObject(build, kind, ref.name);
        if (!found && !ref.optional) danglingReferences.push(`${where}: ${kind} ${ref.name}`);
        return found && configEntries(found);
      };
      for (const { configMapRef, secretRef } of container.envFrom ?? []) {
        if (configMapRef) Object.assign(env, entriesOf('ConfigMap', configMapRef));
        if (secretRef) Object.assign(env, entriesOf('Secret', secretRef));
      }
      for (const variable of container.env ?? []) {
        const { configMapKeyRef, secretKeyRef } = variable.valueFrom ?? {};
        const keyRef = configMapKeyRef ?? secretKeyRef;
        if (!keyRef) {
          env[variable.name] = variable.value as string;
          continue;
        }
        const value = entriesOf(configMapKeyRef ? 'ConfigMap' : 'Secret', keyRef)?.[keyRef.key];
        if (value !== undefined) env[variable.name] = value as string;
        else if (!keyRef.optional)
          danglingReferences.push(`${where}: ${variable.name} from ${keyRef.name}/${keyRef.key}`);
      }
      const portNumber = (port: number | string, what: string) => {
        const number =
          typeof port === 'number' ? port : container.ports?.find((named) => named.name === port)?.containerPort;
        if (number === undefined) throw new Error(`${where}: ${what} names port ${port}, which the container lacks`);
        return number;
      };
      const probes = (['livenessProbe', 'readinessProbe', 'startupProbe'] as const).flatMap((kind) => {
        const httpGet = container[kind]?.httpGet;
        return httpGet
          ? [{ what: `${where} ${kind}`, kind, port: portNumber(httpGet.port, kind), path: httpGet.path ?? '/' }]
          : [];
      });
      // Pod annotations name no container: with one container per pod, they are its.
      const annotations = object.spec.template.metadata?.annotations ?? {};
      const scrapes =
        annotations['prometheus.io/scrape'] === 'true'
          ? [
              {
                what: `${where} prometheus.io annotations`,
                port: Number(annotations['prometheus.io/port']),
                path: annotations['prometheus.io/path'] ?? '/metrics',
              },
            ]
          : [];
      if (scrapes.length > 0) expect(object.spec.template.spec.containers, `${where}: one container`).toHaveLength(1);
      const targetedBy = services
        .filter(({ object: service }) =>
          matchesSelector(service.spec.selector ?? {}, object.spec.template.metadata?.labels),
        )
        .flatMap(({ file: serviceFile, object: service }) =>
          service.spec.ports.map((port) => ({
            what: `${serviceFile} Service ${service.metadata.name} targetPort ${port.targetPort ?? port.port}`,
            port: portNumber(port.targetPort ?? port.port, `Service ${service.metadata.name}`),
          })),
        );
      return {
        where,
        owner: object.metadata.name,
        ownerKind: object.kind,
        image: container.image,
        workingDir: container.workingDir ?? image.workingDir,
        // `command` replaces the image's command (this image has no ENTRYPOINT); `args` alone replaces CMD.
        command: container.command
          ? [...container.command, ...(container.args ?? [])]
          : (container.args ?? image.command),
        ownEnvNames: (container.env ?? []).map((variable) => variable.name),
        env,
        ports: [
          ...(container.ports ?? []).map((port) => ({ what: `${where} containerPort`, port: port.containerPort })),
          ...probes,
          ...targetedBy,
          ...scrapes,
        ],
        probes,
        servicePorts: targetedBy.map((tied) => tied.port),
        scrapes,
        configSources,
        danglingReferences,
        // Kubernetes' own default.
        stopGraceMs: (object.spec.template.spec.terminationGracePeriodSeconds ?? 30) * 1000,
      };
    }),
  );
}

interface AutoscalerObject extends K8sObject {
  spec: {
    scaleTargetRef: { apiVersion?: string; kind?: string; name: string };
    /** An HPA's. */
    minReplicas?: number;
    /** A ScaledObject's. */
    minReplicaCount?: number;
  };
}
/** What sets a Deployment's replica count besides its manifest: HPAs, and KEDA's ScaledObjects (which make one). */
const autoscalers = (build: string) => [
  ...k8sOfKind<AutoscalerObject>(build, 'HorizontalPodAutoscaler'),
  ...k8sOfKind<AutoscalerObject>(build, 'ScaledObject'),
];

/** The fewest pods a Deployment of the build runs: its count, or the floor of its autoscaler. */
function fewestReplicas(build: string, deployment: Workload8s): number {
  if (deployment.spec.replicas !== undefined) return deployment.spec.replicas;
  const autoscaler = autoscalers(build).find(
    ({ object }) => object.spec.scaleTargetRef.name === deployment.metadata.name,
  );
  if (!autoscaler)
    throw new Error(`${build}: Deployment ${deployment.metadata.name} has neither replicas nor autoscaler`);
  // The APIs' defaults: an HPA's minReplicas is 1, a ScaledObject's minReplicaCount 0.
  const { kind, spec } = autoscaler.object;
  return kind === 'HorizontalPodAutoscaler' ? (spec.minReplicas ?? 1) : (spec.minReplicaCount ?? 0);
}

interface PdbObject extends K8sObject {
  spec: {
    selector?: { matchLabels?: Record<string, string> };
    minAvailable?: number | string;
    maxUnavailable?: number | string;
  };
}

/** How many of `pods` healthy pods the disruption controller lets go at once (percentages round up, as it does). */
function allowedDisruptions(budget: PdbObject, pods: number): number {
  const scaled = (value: number | string) =>
    typeof value === 'number' ? value : Math.ceil((Number.parseFloat(value) / 100) * pods);
  if (budget.spec.maxUnavailable !== undefined) return Math.min(pods, scaled(budget.spec.maxUnavailable));
  return Math.max(0, pods - scaled(budget.spec.minAvailable ?? 0));
}

/**
 * Checks that the overlay is the base plus objects of the given kinds, with the replica count taken out
 * of the Deployments those scale and nothing else changed.
 */
function expectBaseWithAutoscalers(overlay: string, addedKinds: string[]): void {
  const key = (object: K8sObject) => `${object.kind}/${object.metadata.name}`;
  const base = new Map(kustomize(K8S_BASE).map((object) => [key(object), object]));
  const scaled = new Set(autoscalers(overlay).map(({ object }) => `Deployment/${object.spec.scaleTargetRef.name}`));
  for (const object of kustomize(overlay)) {
    const original = base.get(key(object));
    base.delete(key(object));
    if (!original) {
      expect(addedKinds, `${overlay} adds ${key(object)}`).toContain(object.kind);
      continue;
    }
    if (!scaled.has(key(object))) {
      expect(object, `${overlay} ${key(object)}`).toEqual(original);
      continue;
    }
    const { replicas, ...rest } = (original as Workload8s).spec;
    expect(replicas, `${K8S_BASE} ${key(object)} replicas`).toBeGreaterThanOrEqual(1);
    expect(object, `${overlay} ${key(object)}: the base's, without replicas`).toEqual({ ...original, spec: rest });
  }
  expect([...base.keys()], `${overlay} drops objects of the base`).toEqual([]);
}

interface KedaTrigger {
  type: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string; kind?: string };
}
interface ScaledObjectObject extends AutoscalerObject {
  spec: AutoscalerObject['spec'] & { maxReplicaCount?: number; triggers: KedaTrigger[] };
}
interface TriggerAuthenticationObject extends K8sObject {
  spec: { secretTargetRef?: Array<{ parameter: string; name: string; key: string }> };
}

/** The build's QUEUE_PREFIX (the schema's default when its ConfigMap has none): the start of BullMQ's keys. */
function queuePrefixOf(build: string): string {
  const configMap = findConfigObject(build, 'ConfigMap', 'hookfleet-config');
  const prefix = configMap && configEntries(configMap).QUEUE_PREFIX;
  return typeof prefix === 'string' ? prefix : baseConfigSchema.shape.QUEUE_PREFIX.parse(undefined);
}

/** The Redis keys of a queue's waiting jobs: a list, and a sorted set for those with a priority. */
const backlogKeys = (prefix: string, queue: string) => [`${prefix}:${queue}:wait`, `${prefix}:${queue}:prioritized`];

interface Kustomization {
  resources?: string[];
  components?: string[];
  patches?: Array<{ path?: string; patch?: string }>;
}

/** The directories under k8s/ holding a kustomization.yaml (Kustomization or Component). */
const kustomizationDirs = () =>
  listK8sYamlFiles()
    .filter((path) => posix.basename(path) === 'kustomization.yaml')
    .map((path) => posix.dirname(path));

const DEPLOYMENTS: Array<[string, () => Workload[]]> = [
  [COMPOSE_FILE, composeWorkloads],
  ...(HAVE_KUBECTL ? K8S_BUILDS : []).map((build): [string, () => Workload[]] => [build, () => k8sWorkloads(build)]),
];

// ---------------------------------------------------------------------------------------------------

describe('deployment YAML', () => {
  it('every file parses, without errors or warnings', () => {
    const files = allYamlFiles();
    expect(files.map((file) => file.path)).toContain(COMPOSE_FILE);
    expect(files.filter((file) => file.path.startsWith(`${K8S_DIR}/`)).length).toBeGreaterThan(0);
    expect(files.flatMap((file) => file.problems)).toEqual([]);
    for (const file of files) expect(file.documents.length, file.path).toBeGreaterThan(0);
  });
});

describe('Dockerfile', () => {
  it('installs from the lockfile after the context (with prisma/) is in place, then builds', () => {
    const stages = dockerStages();
    const installStage = stages.find((stage) =>
      stage.instructions.some(({ keyword, args }) => keyword === 'RUN' && /pnpm install\b(?!.*--prod)/.test(args)),
    );
    expect(installStage, 'a stage that runs pnpm install').toBeDefined();
    const steps = stageChain(stages, installStage!).flatMap((stage) => stage.instructions);
    const install = steps.findIndex(
      ({ keyword, args }) => keyword === 'RUN' && /pnpm install\b(?!.*--prod)/.test(args),
    );
    expect(steps[install]!.args).toMatch(/--frozen-lockfile/);
    // The root postinstall runs `prisma generate`, which reads prisma/schema.prisma.
    const copiedBefore = steps
      .slice(0, install)
      .filter(({ keyword, args }) => keyword === 'COPY' && !args.includes('--from'))
      .flatMap(({ args }) => args.split(/\s+/).slice(0, -1));
    expect(copiedBefore.some((source) => ['.', './', 'prisma', 'prisma/'].includes(source))).toBe(true);
    const build = steps.findIndex(({ keyword, args }) => keyword === 'RUN' && /\bpnpm (run )?build\b/.test(args));
    expect(build).toBeGreaterThan(install);
  });

  it('the runtime stage holds node_modules, apps, packages and prisma/migrations under the image root', () => {
    const { copiedPaths, user } = runtimeImage();
    for (const needed of ['node_modules', 'apps', 'packages', 'prisma/migrations']) {
      const path = posix.join(IMAGE_ROOT, needed);
      expect(
        copiedPaths.some((copied) => path === copied || path.startsWith(`${copied}/`)),
        `${path} in ${JSON.stringify(copiedPaths)}`,
      ).toBe(true);
    }
    expect(user, 'USER in the runtime stage').toBeDefined();
    expect(['root', '0']).not.toContain(user);
  });

  it('.dockerignore keeps what install and build read, and drops host installs, builds and .env', () => {
    const ignored = dockerignoreMatcher(readRepoFile('.dockerignore'));
    const workspacePackages = ['apps', 'packages'].flatMap((dir) =>
      readdirSync(join(REPO_ROOT, dir)).map((name) => posix.join(dir, name)),
    );
    const migrations = readdirSync(join(REPO_ROOT, 'prisma/migrations'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `prisma/migrations/${entry.name}/migration.sql`);
    const needed = [
      'package.json',
      'pnpm-lock.yaml',
      'pnpm-workspace.yaml',
      'turbo.json',
      'tsconfig.base.json',
      'prisma.config.ts',
      'prisma/schema.prisma',
      ...migrations,
      ...workspacePackages.flatMap((dir) =>
        ['package.json', 'tsconfig.json', 'tsconfig.build.json', 'src/index.ts', 'src/main.ts']
          .map((file) => posix.join(dir, file))
          .filter((path) => existsSync(join(REPO_ROOT, path))),
      ),
    ];
    expect(needed.filter(ignored)).toEqual([]);
    const unwanted = ['node_modules', 'apps/ingress/node_modules', 'apps/worker/dist', 'packages/db/dist', '.env'];
    expect(unwanted.filter((path) => !ignored(path))).toEqual([]);
  });
});

describe.each(DEPLOYMENTS)('%s', (name, workloads) => {
  it("every command is its package's script, run in the package, on a file the build produces", () => {
    const image = runtimeImage();
    const all = [
      ...workloads(),
      // The image's own default, for `docker run` without a command.
      { where: 'Dockerfile CMD', workingDir: image.workingDir, command: image.command },
    ];
    const targets = all.map((workload) => {
      const resolved = resolveCommand(workload);
      expect(resolved.scriptName, workload.where).toBe(SCRIPT_BY_TARGET[resolved.target]);
      if (resolved.target !== 'migrate') expect(resolved.builtFile, workload.where).toBe('dist/main.js');
      // The build (`tsc -p tsconfig.build.json`, rootDir src, outDir dist) makes dist/X.js from src/X.ts.
      const buildConfig = JSON.parse(readRepoFile(posix.join(resolved.packageDir, 'tsconfig.build.json'))) as {
        compilerOptions: { rootDir?: string; outDir?: string };
      };
      expect(buildConfig.compilerOptions, workload.where).toMatchObject({ rootDir: 'src', outDir: 'dist' });
      const [, stem] = /^dist\/(.+)\.js$/.exec(resolved.builtFile) ?? [];
      expect(stem, `${workload.where}: ${resolved.builtFile} is not under dist/`).toBeDefined();
      expect(existsSync(join(REPO_ROOT, resolved.packageDir, `src/${stem}.ts`)), workload.where).toBe(true);
      return resolved.target;
    });
    expect(new Set(targets)).toEqual(new Set(['migrate', 'ingress', 'admin', 'worker']));
  });

  it('every process runs the one Hookfleet image', () => {
    const images = new Set(workloads().map((workload) => workload.image));
    expect(images.size).toBe(1);
    expect([...images][0]).toBeTruthy();
  });

  it('runs exactly one worker per queue, each with WORKER_QUEUES set to its queue', () => {
    const workers = workloads().filter((workload) => resolveCommand(workload).target === 'worker');
    expect(workers.map((worker) => worker.env.WORKER_QUEUES).sort()).toEqual([...QUEUE_NAMES].sort());
    const namePrefix = name === COMPOSE_FILE ? 'worker-' : 'hookfleet-worker-';
    for (const worker of workers) {
      const parsed = parseTargetEnv('worker', worker.env);
      expect(parsed.workerQueues, worker.where).toEqual([worker.env.WORKER_QUEUES]);
      expect(worker.owner, worker.where).toBe(`${namePrefix}${worker.env.WORKER_QUEUES}`);
    }
  });

  it("sets only env vars its app's config schema knows, with values the schema accepts", () => {
    for (const workload of workloads()) {
      const { target } = resolveCommand(workload);
      const unknown = workload.ownEnvNames.filter((envName) => !ENV_NAMES[target].has(envName));
      expect(unknown, `${workload.where} (${target})`).toEqual([]);
      expect(() => parseTargetEnv(target, workload.env), workload.where).not.toThrow();
    }
  });

  it('ties each port to the app that listens on it, on the port its config gives', () => {
    for (const workload of workloads()) {
      const { target } = resolveCommand(workload);
      const ports = listeningPorts(parseTargetEnv(target, workload.env));
      for (const tied of workload.ports) expect(ports, tied.what).toContain(tied.port);
    }
  });

  it('gives workers longer to stop than their drain (WORKER_SHUTDOWN_TIMEOUT_MS) takes', () => {
    const workers = workloads().filter((workload) => resolveCommand(workload).target === 'worker');
    expect(workers.length).toBeGreaterThan(0);
    for (const worker of workers) {
      const { workerShutdownTimeoutMs } = parseTargetEnv('worker', worker.env);
      expect(worker.stopGraceMs, worker.where).toBeGreaterThan(workerShutdownTimeoutMs!);
    }
  });
});

describe('the config schemas', () => {
  it('default to the ports the manifests use (3001 ingress, 3002 admin, 8088 worker)', () => {
    expect({
      [ingressConfigSchema.shape.WEBHOOK_PORT.parse(undefined)]: 'ingress',
      [adminConfigSchema.shape.ADMIN_PORT.parse(undefined)]: 'admin',
      [workerConfigSchema.shape.WORKER_HEALTH_PORT.parse(undefined)]: 'worker',
    }).toEqual(APP_BY_PORT);
  });
});

describe(COMPOSE_FILE, () => {
  it('runs postgres:15, redis:7, and Prometheus and Grafana under the monitoring profile, with healthchecks, beside the services built here', () => {
    const services = composeServices();
    const thirdParty = Object.entries(services).filter(([, service]) => !isHookfleetService(service));
    expect(thirdParty.map(([name]) => name).sort()).toEqual(Object.keys(THIRD_PARTY_SERVICES).sort());
    for (const [name, service] of thirdParty) {
      const expected = THIRD_PARTY_SERVICES[name]!;
      expect(service.image, name).toMatch(expected.image);
      expect(service.profiles, name).toEqual(expected.profiles);
      expect([service.healthcheck?.test].flat().length, name).toBeGreaterThan(1);
    }
    // A plain `docker compose up` starts all of Hookfleet.
    for (const workload of composeWorkloads())
      expect(services[workload.owner]!.profiles, workload.where).toBeUndefined();
  });

  it("has Prometheus scrape every app's processes on the port its /metrics is served on, the ingress's unpublished", () => {
    const targets = scrapeTargets();
    const apps = composeWorkloads().filter((workload) => resolveCommand(workload).target !== 'migrate');
    for (const workload of apps) {
      const { target } = resolveCommand(workload);
      const { port } = parseTargetEnv(target, workload.env);
      const metricsPort = target === 'ingress' ? parseConfig(ingressConfigSchema, workload.env).METRICS_PORT : port;
      expect(
        targets.filter((candidate) => candidate.host === workload.owner),
        workload.where,
      ).toEqual([{ job: `hookfleet-${target}`, host: workload.owner, port: metricsPort }]);
      if (metricsPort !== port) {
        // Served apart from the public port: reachable by Prometheus inside the network, not published.
        expect(
          workload.ports.map((tied) => tied.port),
          workload.where,
        ).not.toContain(metricsPort);
        expect((composeServices()[workload.owner]!.expose ?? []).map(Number), workload.where).toContain(metricsPort);
      }
    }
    expect(targets.map((candidate) => candidate.host).sort()).toEqual(apps.map((workload) => workload.owner).sort());
  });

  it('mounts ops/ where Prometheus and Grafana read their configuration, rules, datasource and dashboard', () => {
    const { prometheus, grafana } = composeServices();
    const readMounted = (service: ComposeService, containerPath: string) => {
      const path = mountedRepoPath(service, containerPath);
      expect(path, `${containerPath} is mounted from the repository`).toBeDefined();
      expect(existsSync(join(REPO_ROOT, path!)), `${path} exists`).toBe(true);
      return path!;
    };

    const configFile = [prometheus!.command ?? []]
      .flat()
      .find((argument) => argument.startsWith('--config.file='))
      ?.split('=')[1];
    expect(readMounted(prometheus!, configFile!)).toBe(PROMETHEUS_FILE);
    for (const rules of prometheusConfig().rule_files ?? []) expect(readMounted(prometheus!, rules)).toBe(ALERTS_FILE);

    const provisioningFiles = (kind: string) => {
      const dir = readMounted(grafana!, `/etc/grafana/provisioning/${kind}`);
      return readdirSync(join(REPO_ROOT, dir)).map((file) => parse(readRepoFile(posix.join(dir, file))) as unknown);
    };
    const datasources = provisioningFiles('datasources').flatMap(
      (file) => (file as { datasources: Array<{ type: string; url: string }> }).datasources,
    );
    const prometheusUrls = datasources.filter((source) => source.type === 'prometheus').map((source) => source.url);
    // Prometheus listens on 9090 in its image; compose names it by its service.
    expect(prometheusUrls).toEqual(['http://prometheus:9090']);
    const dashboardDirs = provisioningFiles('dashboards').flatMap((file) =>
      (file as { providers: Array<{ options: { path: string } }> }).providers.map((provider) =>
        readMounted(grafana!, provider.options.path),
      ),
    );
    expect(dashboardDirs.map((dir) => posix.join(dir, posix.basename(DASHBOARD_FILE)))).toContain(DASHBOARD_FILE);
    expect(composeDependencies(grafana!)).toEqual({ prometheus: 'service_healthy' });
  });

  it('starts the apps after the migration completed, and each process after the stores it uses are healthy', () => {
    const services = composeServices();
    for (const workload of composeWorkloads()) {
      const dependencies = composeDependencies(services[workload.owner]!);
      if (resolveCommand(workload).target !== 'migrate') {
        expect(dependencies.migrate, workload.where).toBe('service_completed_successfully');
      }
      // Every Postgres or Redis the process connects to: a service here, healthy before this one starts
      // (directly, or through a dependency that waited for it).
      const hosts = Object.values(workload.env)
        .filter((value) => /^(postgres(ql)?|rediss?):\/\//.test(value))
        .map((value) => new URL(value).hostname);
      expect(hosts.length, workload.where).toBeGreaterThan(0);
      const healthyFirst = new Set<string>();
      const visit = (serviceName: string) => {
        for (const [dependency, condition] of Object.entries(composeDependencies(services[serviceName] ?? {}))) {
          if (condition === 'service_healthy') healthyFirst.add(dependency);
          visit(dependency);
        }
      };
      visit(workload.owner);
      for (const host of hosts) expect(healthyFirst.has(host), `${workload.where} waits for ${host}`).toBe(true);
    }
  });

  it('checks every app at /health/ready', () => {
    for (const workload of composeWorkloads()) {
      if (resolveCommand(workload).target === 'migrate') continue;
      expect(
        workload.probes.map((probe) => probe.path),
        workload.where,
      ).toContain('/health/ready');
    }
  });
});

describeK8s(`${K8S_DIR} ${NEEDS_KUBECTL}`, () => {
  it('lists in each kustomization only files and directories that exist, and every manifest in one', () => {
    const listed = new Set<string>();
    for (const dir of kustomizationDirs()) {
      const kustomization = loadYaml(posix.join(dir, 'kustomization.yaml')).documents[0] as Kustomization;
      const entries = [
        ...(kustomization.resources ?? []),
        ...(kustomization.components ?? []),
        ...(kustomization.patches ?? []).flatMap((patch) => (patch.path ? [patch.path] : [])),
      ];
      expect(entries.length, dir).toBeGreaterThan(0);
      for (const entry of entries) {
        const path = posix.join(dir, entry);
        const what = `${dir}/kustomization.yaml lists ${entry}`;
        expect(existsSync(join(REPO_ROOT, path)), what).toBe(true);
        if (!/\.ya?ml$/.test(entry)) {
          expect(existsSync(join(REPO_ROOT, path, 'kustomization.yaml')), `${what}: no kustomization.yaml`).toBe(true);
        }
        listed.add(path);
      }
    }
    // A manifest no kustomization lists is applied by nobody; example/ is for operators to copy.
    const unlisted = listK8sYamlFiles().filter(
      (path) =>
        posix.basename(path) !== 'kustomization.yaml' && !path.startsWith(`${K8S_DIR}/example/`) && !listed.has(path),
    );
    expect(unlisted).toEqual([]);
  });

  it('builds the base and every overlay', () => {
    const overlays = readdirSync(join(REPO_ROOT, K8S_DIR, 'overlays')).map((name) => `${K8S_DIR}/overlays/${name}`);
    expect([K8S_BASE, ...overlays].sort()).toEqual([...K8S_BUILDS].sort());
    for (const build of K8S_BUILDS) expect(kustomize(build).length, build).toBeGreaterThan(0);
  });

  it("puts the image an operator's kustomization names (images:) in every container", () => {
    const scratch = mkdtempSync(join(tmpdir(), 'hookfleet-kustomize-'));
    try {
      for (const build of K8S_BUILDS) {
        const dir = join(scratch, posix.basename(build));
        mkdirSync(dir);
        writeFileSync(
          join(dir, 'kustomization.yaml'),
          [
            'resources:',
            `  - ${relative(dir, join(REPO_ROOT, build))}`,
            'images:',
            '  - name: hookfleet',
            '    newName: registry.example.com/hookfleet',
            "    newTag: '1.2.3'",
          ].join('\n'),
        );
        const images = kustomize(dir)
          .filter((object) => ['Deployment', 'Job'].includes(object.kind))
          .flatMap((object) =>
            (object as Workload8s).spec.template.spec.containers.map((container) => container.image),
          );
        expect(images.length, build).toBeGreaterThan(0);
        expect(new Set(images), build).toEqual(new Set(['registry.example.com/hookfleet:1.2.3']));
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describeK8s.each(K8S_BUILDS)(`%s ${NEEDS_KUBECTL}`, (build) => {
  it('gives every app container liveness /health/live and readiness /health/ready', () => {
    for (const workload of k8sWorkloads(build)) {
      if (resolveCommand(workload).target === 'migrate') continue;
      const paths = Object.fromEntries(workload.probes.map((probe) => [probe.kind, probe.path]));
      expect(paths, workload.where).toMatchObject({ livenessProbe: '/health/live', readinessProbe: '/health/ready' });
    }
  });

  it('runs the migrations as a Job, and the apps as Deployments', () => {
    for (const workload of k8sWorkloads(build)) {
      const expected = resolveCommand(workload).target === 'migrate' ? 'Job' : 'Deployment';
      expect(workload.ownerKind, workload.where).toBe(expected);
    }
    for (const { file, object } of k8sOfKind<Workload8s>(build, 'Job')) {
      expect(['Never', 'OnFailure'], `${file} restartPolicy`).toContain(object.spec.template.spec.restartPolicy);
    }
  });

  it('takes env only from ConfigMaps, Secrets and keys that exist (or are marked optional)', () => {
    expect(k8sWorkloads(build).flatMap((workload) => workload.danglingReferences)).toEqual([]);
  });

  it('keeps ConfigMap and Secret keys to the schemas of the apps that read them, as strings', () => {
    const readers = new Map<string, Set<Target>>();
    for (const workload of k8sWorkloads(build)) {
      const { target } = resolveCommand(workload);
      for (const source of workload.configSources) readers.set(source, (readers.get(source) ?? new Set()).add(target));
    }
    const configObjects = [...k8sOfKind<ConfigObject>(build, 'ConfigMap'), ...k8sOfKind<ConfigObject>(build, 'Secret')];
    expect(configObjects.map(({ object }) => object.kind).sort()).toEqual(['ConfigMap', 'Secret']);
    for (const { file, object } of configObjects) {
      const targets = [...(readers.get(`${object.kind}/${object.metadata.name}`) ?? [])];
      expect(targets.length, `${file}: read by no container`).toBeGreaterThan(0);
      for (const [key, value] of Object.entries(configEntries(object))) {
        expect(
          targets.some((target) => ENV_NAMES[target].has(key)),
          `${file}: ${key} is in none of the schemas of ${targets.join(', ')}`,
        ).toBe(true);
        expect(typeof value, `${file}: ${key} must be a string`).toBe('string');
      }
    }
    for (const { object } of podOwners(build)) {
      for (const container of object.spec.template.spec.containers) {
        for (const variable of container.env ?? []) {
          if (!variable.valueFrom) expect(typeof variable.value, variable.name).toBe('string');
        }
      }
    }
  });

  it("selects each Deployment's pods by its own labels, and each Service one Deployment's pods", () => {
    const deployments = k8sOfKind<Workload8s>(build, 'Deployment');
    for (const { file, object } of deployments) {
      const selector = object.spec.selector?.matchLabels ?? {};
      expect(Object.keys(selector).length, file).toBeGreaterThan(0);
      expect(matchesSelector(selector, object.spec.template.metadata?.labels), object.metadata.name).toBe(true);
      const others = deployments.filter((other) => other.object !== object);
      for (const other of others) {
        expect(
          matchesSelector(selector, other.object.spec.template.metadata?.labels),
          `${object.metadata.name}'s selector also takes ${other.object.metadata.name}'s pods`,
        ).toBe(false);
      }
    }
    const services = k8sOfKind<ServiceObject>(build, 'Service');
    expect(services.length).toBeGreaterThan(0);
    for (const { object: service } of services) {
      const selected = deployments.filter(({ object }) =>
        matchesSelector(service.spec.selector ?? {}, object.spec.template.metadata?.labels),
      );
      expect(selected.length, `Service ${service.metadata.name}`).toBe(1);
    }
  });

  it('gives each Deployment one PodDisruptionBudget, which lets a drain evict one of its pods at its fewest', () => {
    const deployments = k8sOfKind<Workload8s>(build, 'Deployment').map(({ object }) => object);
    const budgets = k8sOfKind<PdbObject>(build, 'PodDisruptionBudget').map(({ object }) => object);
    const selects = (budget: PdbObject, deployment: Workload8s) =>
      matchesSelector(budget.spec.selector?.matchLabels ?? {}, deployment.spec.template.metadata?.labels);
    for (const budget of budgets) {
      const what = `PodDisruptionBudget ${budget.metadata.name}`;
      expect(budget.apiVersion, what).toBe('policy/v1');
      expect(Object.keys(budget.spec.selector?.matchLabels ?? {}).length, what).toBeGreaterThan(0);
      const selected = deployments.filter((deployment) => selects(budget, deployment));
      expect(
        selected.map((deployment) => deployment.metadata.name),
        `${what} selects the pods of one Deployment`,
      ).toHaveLength(1);
    }
    for (const deployment of deployments) {
      const own = budgets.filter((budget) => selects(budget, deployment));
      // The eviction API refuses to evict a pod that two budgets select.
      expect(
        own.map((budget) => budget.metadata.name),
        `budgets of ${deployment.metadata.name}`,
      ).toHaveLength(1);
      // None allowed at its fewest pods (minAvailable 1 on a single pod) blocks every drain of their node.
      const pods = Math.max(1, fewestReplicas(build, deployment));
      const allowed = allowedDisruptions(own[0]!, pods);
      expect(allowed, `${deployment.metadata.name} at ${pods} pods`).toBeGreaterThanOrEqual(1);
    }
  });

  it('annotates the pods of every app for Prometheus with the port and path of its /metrics', () => {
    for (const workload of k8sWorkloads(build)) {
      const { target } = resolveCommand(workload);
      if (target === 'migrate') continue;
      const metricsPort = metricsPortOf(parseTargetEnv(target, workload.env));
      expect(workload.scrapes, workload.where).toEqual([
        expect.objectContaining({ port: metricsPort, path: '/metrics' }),
      ]);
    }
  });

  it("serves the ingress's /metrics and /health on METRICS_PORT, which its Services leave out", () => {
    const ingress = k8sWorkloads(build).filter((workload) => resolveCommand(workload).target === 'ingress');
    expect(ingress.length).toBeGreaterThan(0);
    for (const workload of ingress) {
      const { metricsPort } = parseTargetEnv('ingress', workload.env);
      expect(metricsPort, `${workload.where}: METRICS_PORT`).toBeDefined();
      expect(workload.servicePorts.length, `${workload.where}: Services`).toBeGreaterThan(0);
      // The Services carry the deliveries (and are what gets exposed to the senders).
      expect(workload.servicePorts, workload.where).not.toContain(metricsPort);
    }
  });

  it("leaves each Deployment's replica count to one owner: the manifest, or one autoscaler", () => {
    const deployments = k8sOfKind<Workload8s>(build, 'Deployment').map(({ object }) => object);
    const autoscaled = autoscalers(build).map(({ object }) => {
      const target = deployments.find((deployment) => deployment.metadata.name === object.spec.scaleTargetRef.name);
      expect(target, `${object.kind} ${object.metadata.name} scales a Deployment of this build`).toBeDefined();
      expect(object.spec.scaleTargetRef.kind ?? 'Deployment', object.metadata.name).toBe('Deployment');
      return object.spec.scaleTargetRef.name;
    });
    for (const deployment of deployments) {
      const owners = autoscaled.filter((name) => name === deployment.metadata.name).length;
      expect(owners, `autoscalers of ${deployment.metadata.name}`).toBeLessThanOrEqual(1);
      // With an autoscaler, a count in the manifest would put the autoscaler's count back on every apply.
      if (owners === 1) expect(deployment.spec.replicas, deployment.metadata.name).toBeUndefined();
      else expect(deployment.spec.replicas, deployment.metadata.name).toBeGreaterThanOrEqual(1);
    }
  });
});

describeK8s(`${K8S_BASE} ${NEEDS_KUBECTL}`, () => {
  it('has no autoscaler, and sets the replica count of every Deployment', () => {
    expect(autoscalers(K8S_BASE)).toEqual([]);
    const deployments = k8sOfKind<Workload8s>(K8S_BASE, 'Deployment');
    expect(deployments.length).toBeGreaterThan(0);
    for (const { object } of deployments) expect(object.spec.replicas, object.metadata.name).toBeGreaterThanOrEqual(1);
  });
});

describeK8s(`${K8S_HPA} ${NEEDS_KUBECTL}`, () => {
  it('is the base with a CPU HPA (autoscaling/v2) for ingress and each worker, owning the replica count', () => {
    const hpas = k8sOfKind<HpaObject>(K8S_HPA, 'HorizontalPodAutoscaler');
    expect(autoscalers(K8S_HPA).length).toBe(hpas.length);
    const scaledTargets = k8sWorkloads(K8S_HPA)
      .filter((workload) => ['ingress', 'worker'].includes(resolveCommand(workload).target))
      .map((workload) => workload.owner)
      .sort();
    expect(hpas.map(({ object }) => object.spec.scaleTargetRef.name).sort()).toEqual(scaledTargets);
    const deployments = k8sOfKind<Workload8s>(K8S_HPA, 'Deployment');
    for (const { object: hpa } of hpas) {
      const what = `HPA ${hpa.metadata.name}`;
      expect(hpa.apiVersion, what).toBe('autoscaling/v2');
      expect(hpa.spec.scaleTargetRef, what).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' });
      expect(hpa.spec.metrics, what).toContainEqual(
        expect.objectContaining({ type: 'Resource', resource: expect.objectContaining({ name: 'cpu' }) }),
      );
      expect(hpa.spec.minReplicas ?? 1, what).toBeGreaterThanOrEqual(1);
      expect(hpa.spec.maxReplicas, what).toBeGreaterThanOrEqual(hpa.spec.minReplicas ?? 1);
      const target = deployments.find(({ object }) => object.metadata.name === hpa.spec.scaleTargetRef.name)!;
      // CPU utilisation is measured against the request: without one the HPA cannot act.
      for (const container of target.object.spec.template.spec.containers) {
        expect(container.resources?.requests?.cpu, `${target.object.metadata.name}/${container.name}`).toBeTruthy();
      }
    }
    expectBaseWithAutoscalers(K8S_HPA, ['HorizontalPodAutoscaler']);
  });
});

describeK8s(`${K8S_KEDA} ${NEEDS_KUBECTL}`, () => {
  it("is the base with a ScaledObject per queue on that queue's backlog, owning its workers' count", () => {
    const prefix = queuePrefixOf(K8S_KEDA);
    const workers = k8sWorkloads(K8S_KEDA).filter((workload) => resolveCommand(workload).target === 'worker');
    const scaledObjects = k8sOfKind<ScaledObjectObject>(K8S_KEDA, 'ScaledObject').map(({ object }) => object);
    expect(scaledObjects.map((object) => object.spec.scaleTargetRef.name).sort()).toEqual(
      workers.map((worker) => worker.owner).sort(),
    );
    const authentications = k8sOfKind<TriggerAuthenticationObject>(K8S_KEDA, 'TriggerAuthentication');
    for (const scaledObject of scaledObjects) {
      const what = `ScaledObject ${scaledObject.metadata.name}`;
      expect(scaledObject.apiVersion, what).toBe('keda.sh/v1alpha1');
      expect(scaledObject.spec.scaleTargetRef, what).toMatchObject({ apiVersion: 'apps/v1', kind: 'Deployment' });
      const queue = workers.find((worker) => worker.owner === scaledObject.spec.scaleTargetRef.name)!.env
        .WORKER_QUEUES!;
      // At 0 workers, retries past their backoff stay in BullMQ's delayed set, which no trigger counts.
      expect(scaledObject.spec.minReplicaCount ?? 0, what).toBeGreaterThanOrEqual(1);
      expect(scaledObject.spec.maxReplicaCount ?? 100, what).toBeGreaterThanOrEqual(scaledObject.spec.minReplicaCount!);
      const watched: string[] = [];
      for (const trigger of scaledObject.spec.triggers) {
        if (trigger.type === 'redis') {
          watched.push(trigger.metadata.listName!);
          expect(Number(trigger.metadata.listLength), `${what} listLength`).toBeGreaterThan(0);
          const authentication = trigger.authenticationRef?.name;
          expect(
            authentications.map(({ object }) => object.metadata.name),
            `${what}: its TriggerAuthentication`,
          ).toContain(authentication);
        } else if (trigger.type === 'prometheus') {
          expect(trigger.metadata.query, what).toContain(`queue="${queue}"`);
        } else {
          throw new Error(`${what}: a ${trigger.type} trigger watches no queue`);
        }
      }
      // Jobs with a priority (every planned task's) wait in the sorted set, the others in the list.
      if (watched.length > 0) expect(watched.sort(), what).toEqual(backlogKeys(prefix, queue).sort());
    }
    const hpaTargets = k8sOfKind<HpaObject>(K8S_KEDA, 'HorizontalPodAutoscaler').map(
      ({ object }) => object.spec.scaleTargetRef.name,
    );
    for (const worker of workers) expect(hpaTargets, `an HPA of ${worker.owner}`).not.toContain(worker.owner);
    expectBaseWithAutoscalers(K8S_KEDA, ['HorizontalPodAutoscaler', 'ScaledObject', 'TriggerAuthentication']);
  });

  it('reads the Redis address (host:port) and password from the Secret the example shows', () => {
    const example = loadYaml(K8S_EXAMPLE_KEDA_SECRET);
    expect(example.problems).toEqual([]);
    const secrets = example.documents as ConfigObject[];
    const authentications = k8sOfKind<TriggerAuthenticationObject>(K8S_KEDA, 'TriggerAuthentication');
    expect(authentications.length).toBeGreaterThan(0);
    for (const { object } of authentications) {
      const refs = object.spec.secretTargetRef ?? [];
      expect(refs.map((ref) => ref.parameter).sort(), object.metadata.name).toEqual(['address', 'password']);
      for (const ref of refs) {
        const secret = secrets.find((candidate) => candidate.kind === 'Secret' && candidate.metadata.name === ref.name);
        const value = secret && configEntries(secret)[ref.key];
        expect(typeof value, `${K8S_EXAMPLE_KEDA_SECRET}: ${ref.name}/${ref.key}`).toBe('string');
        // The scaler dials this as it is: a URL (REDIS_URL's form) would not connect.
        if (ref.parameter === 'address') expect(value, `${ref.name}/${ref.key}`).toMatch(/^[^:/@]+:\d+$/);
      }
    }
  });
});

/**
 * GETs the URL until it answers 200 or the time is up, and returns the last status: readiness answers
 * 503 until the app's Redis connection is up, which probes allow for by retrying.
 */
async function statusOnceSettled(url: string, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url);
    await response.arrayBuffer();
    if (response.status === 200 || Date.now() > deadline) return response.status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A key's length as KEDA's redis scaler reads it: by the key's type, a missing key counting 0. */
async function kedaListLength(redis: Redis, key: string): Promise<number> {
  const type = await redis.type(key);
  switch (type) {
    case 'list':
    case 'none':
      return redis.llen(key);
    case 'zset':
      return redis.zcard(key);
    case 'set':
      return redis.scard(key);
    case 'hash':
      return redis.hlen(key);
    default:
      throw new Error(`${key} is a ${type}, which KEDA's redis scaler cannot count`);
  }
}

describe('probe, healthcheck and scrape paths, and the KEDA triggers, on the real apps and Redis', () => {
  let environment: TestEnvironment;
  let stack: Stack;
  /** An ingress with METRICS_PORT set, beside the stack's, which has none. */
  let splitIngress: RunningIngress;

  beforeAll(async () => {
    environment = await testEnvironment();
    stack = await startStack(environment.env);
    splitIngress = await startIngress(
      parseConfig(ingressConfigSchema, {
        ...environment.env,
        WEBHOOK_PORT: '0',
        WEBHOOK_HOST: '127.0.0.1',
        METRICS_PORT: '0',
      }),
    );
  });

  afterAll(async () => {
    await splitIngress?.stop();
    await stack?.stop();
    await environment?.cleanup();
  });

  /** The running app, configured as the workload is, that answers on the workload's port. */
  function urlOf(workload: Workload, port: number): string {
    const { target } = resolveCommand(workload);
    const parsed = parseTargetEnv(target, workload.env);
    expect(listeningPorts(parsed), `${workload.where}: port ${port}`).toContain(port);
    switch (target) {
      case 'ingress':
        if (parsed.metricsPort === undefined) return stack.ingress.url;
        return port === parsed.metricsPort ? splitIngress.metricsUrl : splitIngress.url;
      case 'admin':
        return stack.admin.url;
      case 'worker':
        return stack.worker.healthUrl;
      case 'migrate':
        throw new Error(`${workload.where}: the migrate command listens on no port`);
    }
  }

  const allWorkloads = () => DEPLOYMENTS.flatMap(([, workloads]) => workloads());

  it('probes and healthchecks answer 200 on the app and port they name', async () => {
    const probes = allWorkloads().flatMap((workload) => workload.probes.map((probe) => ({ workload, probe })));
    expect(probes.length).toBeGreaterThan(0);
    const checked = new Map<string, number>();
    for (const { workload, probe } of probes) {
      const url = `${urlOf(workload, probe.port)}${probe.path}`;
      if (!checked.has(url)) checked.set(url, await statusOnceSettled(url));
      expect(checked.get(url), `${probe.what}: GET ${probe.path} on port ${probe.port}`).toBe(200);
    }
  });

  // Only k8s/ annotates pods for scraping (docker-compose's Prometheus has its own list, see ops/).
  it.skipIf(!HAVE_KUBECTL)(
    `scrape annotations lead to Prometheus metrics on the app and port they name ${NEEDS_KUBECTL}`,
    async () => {
      const scrapes = allWorkloads().flatMap((workload) => workload.scrapes.map((scrape) => ({ workload, scrape })));
      expect(scrapes.length).toBeGreaterThan(0);
      const checked = new Map<string, { status: number; contentType: string | null; body: string }>();
      for (const { workload, scrape } of scrapes) {
        const url = `${urlOf(workload, scrape.port)}${scrape.path}`;
        if (!checked.has(url)) {
          const response = await fetch(url);
          checked.set(url, {
            status: response.status,
            contentType: response.headers.get('content-type'),
            body: await response.text(),
          });
        }
        const { status, contentType, body } = checked.get(url)!;
        const what = `${scrape.what}: GET ${scrape.path} on port ${scrape.port}`;
        expect(status, what).toBe(200);
        expect(contentType, what).toMatch(/^text\/plain/);
        expect(body, what).toMatch(/^# TYPE \w+ (counter|gauge|histogram|summary)$/m);
      }
    },
  );

  it.skipIf(!HAVE_KUBECTL)(
    `KEDA's redis triggers count, between them, each job waiting in their queue once ${NEEDS_KUBECTL}`,
    async () => {
      // A prefix of the test's own, under its Redis prefix: no worker takes these jobs, and cleanup drops them.
      const prefix = `${environment.env.QUEUE_PREFIX}:keda`;
      const connection = createRedisConnection(environment.env.REDIS_URL, 'producer');
      await waitUntilReady(connection);
      const queues = createEventQueues({
        connection,
        prefix,
        retryPolicy: retryPolicyOf(parseConfig(baseConfigSchema, environment.env)),
        logger: { warn: () => undefined } as unknown as Parameters<typeof createEventQueues>[0]['logger'],
      });
      try {
        // As the ingress queues them: a planned task's job with its task type's priority, a job without tasks with none.
        const events: EnqueueEvent[] = QUEUE_NAMES.flatMap((queue) => [
          ...Object.values(TASK_TYPES)
            .filter((task) => task.queue === queue)
            .map((task) => ({ eventId: randomUUID(), queue, priority: task.priority })),
          { eventId: randomUUID(), queue },
        ]);
        await enqueueEvents(queues, events);
        const configPrefix = queuePrefixOf(K8S_KEDA);
        const workers = k8sWorkloads(K8S_KEDA).filter((workload) => resolveCommand(workload).target === 'worker');
        const scaledObjects = k8sOfKind<ScaledObjectObject>(K8S_KEDA, 'ScaledObject').map(({ object }) => object);
        expect(scaledObjects.length).toBe(QUEUE_NAMES.length);
        for (const scaledObject of scaledObjects) {
          const queue = workers.find((worker) => worker.owner === scaledObject.spec.scaleTargetRef.name)!.env
            .WORKER_QUEUES;
          let counted = 0;
          for (const trigger of scaledObject.spec.triggers.filter(({ type }) => type === 'redis')) {
            const key = trigger.metadata.listName!;
            expect(key.startsWith(`${configPrefix}:`), key).toBe(true);
            counted += await kedaListLength(connection, `${prefix}:${key.slice(configPrefix.length + 1)}`);
          }
          const waiting = events.filter((event) => event.queue === queue).length;
          expect(counted, `${scaledObject.metadata.name} (${queue})`).toBe(waiting);
        }
      } finally {
        await closeEventQueues(queues);
        connection.disconnect();
      }
    },
  );
});
