import { stemmer } from "stemmer";
import type { Embedder } from "./types.ts";

/**
 * The embedded default: a deterministic embedding with no model. Feature hashing ("the hashing trick") of
 *   - word stems (Porter), weight 1
 *   - compliance concepts from a small built-in synonym table ("multi-factor", "2FA", "authenticator" → one
 *     concept), weight 1
 *   - stem bigrams, weight 0.5
 *   - character trigrams of each word, weight 0.25 in total per word (spelling variants, compounds)
 * into a fixed number of signed buckets, sublinear term frequency, L2-normalised.
 *
 * What it captures: shared words, shared stems, and the synonyms in the table. What it does not: meaning
 * beyond those (a paraphrase with none of the document's words or listed synonyms is not found by it; BM25
 * will not find it either). See docs/knowledge.md.
 */
export const LOCAL_EMBEDDER_VERSION = 1;

const STOPWORDS = new Set(
  (
    "a about above after again against all also am an and any are as at be because been before being below " +
    "between both but by can could did do does doing done down during each either else ever every few for from " +
    "further get gets got had has have having he her here hers herself him himself his how i if in into is it its " +
    "itself just let lets like make makes many may me might more most much must my myself need needs no nor not " +
    "now of off on once one only or other our ours ourselves out over own per same say says shall she should so " +
    "some such than that the their theirs them themselves then there these they this those through to too under " +
    "until up upon us use used uses using very via was we were what when where whether which while who whom whose " +
    "why will with within without would yes yet you your yours yourself yourselves " +
    // boilerplate of the bundled guides and of questions: present everywhere, tells nothing apart
    "enforceai matters requirement requirements fix fixes check checks checked checking evaluate evaluates " +
    "aws amazon guide section control controls question ok okay please tell know want wants thing things " +
    "anything something someone anyone way ways really"
  ).split(/\s+/),
);

/**
 * Compliance vocabulary: each line is one concept, its words and phrases separated by commas. A text that
 * contains any of them gets the concept's feature, so "two-factor" and "MFA" meet.
 */
const SYNONYMS = `
mfa: mfa, 2fa, multi factor, multifactor, two factor, second factor, one time password, one time code, otp, totp, authenticator, hardware token, security key, u2f, fido, yubikey, token device
encrypt: encrypt, encryption, encrypted, encrypting, cipher, ciphertext, cryptography, cryptographic, crypto, unreadable, scramble, scrambled
kms: kms, key management, customer managed key, cmk, master key, data key, key material
rotate: rotate, rotation, rotated, renew, renewal, roll over, rollover, regenerate
log: log, logs, logging, logged, audit trail, trail, cloudtrail, record, records, recording, journal, event history, audit log
monitor: monitor, monitoring, alarm, alarms, alert, alerts, alerting, notify, notification, watch, watching, cloudwatch, detect, detection, metric filter
public: public, publicly, internet, anonymous, anyone, everyone, world, exposed, exposure, unrestricted, open to all, wide open, outside world
password: password, passwords, passphrase, passcode, pin
credential: credential, credentials, access key, access keys, secret key, api key, login details, secret, secrets
backup: backup, backups, back up, backed up, snapshot, snapshots, restore, restores, recovery, recover, point in time
delete: delete, deletion, deleted, remove, removal, removed, erase, erasure, destroy, destruction, purge, dispose, disposal, wipe, wiped, sanitize, sanitise, sanitization
network: firewall, firewalls, security group, security groups, network acl, nacl, ingress, inbound, port, ports, traffic, network rule, network rules
outbound: egress, outbound, outgoing, exfiltration
root: root, root user, root account, superuser, super user
admin: admin, administrator, administrators, administrative, privileged, privilege, privileges, elevated, full access, star star
permission: permission, permissions, entitlement, entitlements, authorization, authorisation, authorize, authorise, grant, grants, granted, access rights, least privilege, need to know
authenticate: authenticate, authentication, authenticated, login, log in, logon, log on, sign in, signin, sign on, verify identity, identity verification, prove who
leaver: terminate, termination, terminated, offboard, offboarding, leaver, leavers, leave the company, leaves, departure, departing, quit, quits, resign, resigns, fired, exit, exits
transit: in transit, tls, ssl, https, transport, over the wire, on the wire, over the network, between systems, man in the middle, interception, intercept, eavesdrop
rest: at rest, disk, disks, volume, volumes, ebs, stored data, storage encryption
patch: patch, patches, patching, patched, update, updates, updated, upgrade, upgrades, outdated, out of date, deprecated, end of life, unsupported, vulnerability, vulnerabilities, cve
malware: malware, virus, viruses, antivirus, anti malware, malicious software, malicious code, ransomware, trojan, worm
incident: incident, incidents, breach, breaches, compromise, compromised, attack, attacker, intrusion, hacked, hack
stale: unused, inactive, idle, dormant, stale, abandoned, orphaned, leftover, lingering, not used
review: review, reviews, reviewed, audit, audits, assess, assessment, inspect, inspection, examine, periodic, regularly, recertify, recertification
retain: retain, retention, retained, keep, kept, preserve, archive, archived, lifecycle, how long
card: card, cards, cardholder, pan, primary account number, payment, payments, credit card, debit card
health: ephi, phi, health, healthcare, patient, patients, medical, clinical
segment: segment, segmentation, segmented, isolate, isolated, isolation, separate, separated, separation, dmz, subnet, subnets, vpc, private network
integrity: integrity, tamper, tampering, tampered, alter, altered, alteration, unaltered, modified, checksum, digest, hash, validation, validate, signed, signature
continuity: outage, disaster, failover, multi az, resilience, resilient, redundancy, redundant, continuity, availability, highly available
mask: mask, masked, masking, truncate, truncated, redact, redacted, hide, hidden, obscure, last four
timeout: session, sessions, timeout, time out, logoff, log off, logout, log out, auto lock, inactivity, unattended
default: default, defaults, vendor default, factory, out of the box, preset, built in
contact: contact, contacts, email address, phone number, reachable, get in touch
flowlog: flow log, flow logs, flowlogs, network traffic log, packet log
imds: imds, imdsv2, metadata service, instance metadata, metadata endpoint, hop limit
risk: risk, risks, threat, threats, hazard, danger, likelihood, impact
vendor: vendor, vendors, third party, supplier, suppliers, business associate, contractor, service provider, baa, outsourced
physical: physical, facility, facilities, building, data center, datacenter, premises, hardware, device, devices, equipment, media
emergency: emergency, break glass, crisis, urgent access
unique: unique, individual, shared account, shared login, shared user, generic account, personal account, attribution, accountable
s3: s3, bucket, buckets, object storage, objects
db: rds, database, databases, db, sql, postgres, postgresql, mysql, aurora, oracle
lambda: lambda, function, functions, serverless
ec2: ec2, instance, instances, server, servers, virtual machine, vm, vms, host, hosts, compute
iam: iam, identity and access management, users, groups, roles, policies
config: aws config, configuration recorder, config recorder, resource inventory, configuration history
hardening: hardening, harden, hardened, baseline, benchmark, secure configuration, configuration standard
`;

interface Vocabulary {
  unigrams: Map<string, string[]>;
  phrases: Map<string, string[]>;
  maxPhrase: number;
}

let vocabulary: Vocabulary | undefined;

function vocab(): Vocabulary {
  if (vocabulary) return vocabulary;
  const unigrams = new Map<string, string[]>();
  const phrases = new Map<string, string[]>();
  let maxPhrase = 1;
  for (const line of SYNONYMS.split("\n")) {
    const m = /^(\w+):\s*(.+)$/.exec(line.trim());
    if (!m) continue;
    const concept = `§${m[1]}`;
    for (const term of m[2]!.split(",")) {
      const stems = words(term).map(stem);
      if (stems.length === 0) continue;
      const key = stems.join(" ");
      const table = stems.length === 1 ? unigrams : phrases;
      const list = table.get(key) ?? [];
      if (!list.includes(concept)) list.push(concept);
      table.set(key, list);
      maxPhrase = Math.max(maxPhrase, stems.length);
    }
  }
  vocabulary = { unigrams, phrases, maxPhrase };
  return vocabulary;
}

/** Lowercase word tokens; "multi-factor" gives "multi", "factor"; ids like 164.312 give 164, 312. */
function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .match(/[a-z0-9]+/g) ?? []
  );
}

const stemCache = new Map<string, string>();
function stem(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = /^\d+$/.test(word) ? word : stemmer(word);
    if (stemCache.size < 50_000) stemCache.set(word, s);
  }
  return s;
}

/** The weighted features of a text (exposed for tests and for explaining a score). */
export function features(text: string): Map<string, number> {
  const { unigrams, phrases, maxPhrase } = vocab();
  const tokens = words(text);
  const stems = tokens.map(stem);
  const out = new Map<string, number>();
  const add = (f: string, w: number) => out.set(f, (out.get(f) ?? 0) + w);
  let previous: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const word = tokens[i]!;
    const s = stems[i]!;
    // concepts: phrases first (they may span stopwords such as "in transit"), then single words
    for (let n = maxPhrase; n >= 2; n--) {
      if (i + n > stems.length) continue;
      const concepts = phrases.get(stems.slice(i, i + n).join(" "));
      if (concepts) for (const c of concepts) add(c, 1);
    }
    const concepts = unigrams.get(s);
    if (concepts) for (const c of concepts) add(c, 1);
    if (STOPWORDS.has(word) || word.length < 2) {
      previous = undefined;
      continue;
    }
    add(`w:${s}`, 1);
    if (previous) add(`b:${previous}_${s}`, 0.5);
    previous = s;
    if (word.length >= 4 && !/^\d+$/.test(word)) {
      const padded = `<${word}>`;
      const grams = padded.length - 2;
      for (let j = 0; j < grams; j++) add(`c:${padded.slice(j, j + 3)}`, 0.25 / grams);
    }
  }
  return out;
}

/** 32-bit FNV-1a. */
function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function hashEmbed(text: string, dimensions: number): number[] {
  const v = new Float64Array(dimensions);
  for (const [feature, weight] of features(text)) {
    // sublinear frequency: repeating a word ten times is not ten times the evidence
    const w = weight >= 1 ? 1 + Math.log(weight) : weight;
    const bucket = fnv1a(feature) % dimensions;
    const sign = fnv1a(feature, 0x9e3779b9) & 1 ? 1 : -1;
    v[bucket]! += sign * w;
  }
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  const out = new Array<number>(dimensions);
  for (let i = 0; i < dimensions; i++) out[i] = norm > 0 ? Math.round((v[i]! / norm) * 1e6) / 1e6 : 0;
  return out;
}

export interface LocalEmbedderOptions {
  dimensions?: number;
}

export const DEFAULT_LOCAL_DIMENSIONS = 512;

export function createLocalEmbedder(options: LocalEmbedderOptions = {}): Embedder {
  const dimensions = options.dimensions ?? DEFAULT_LOCAL_DIMENSIONS;
  return {
    id: `local-hash-v${LOCAL_EMBEDDER_VERSION}-${dimensions}`,
    dimensions,
    async embedDocuments(texts) {
      return texts.map((t) => hashEmbed(t, dimensions));
    },
    async embedQuery(text) {
      return hashEmbed(text, dimensions);
    },
  };
}
