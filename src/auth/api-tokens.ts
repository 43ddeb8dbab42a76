import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * An API token is `tf_<id>_<secret>`: the id is public (listed, logged, revoked by), the secret
 * is 32 random bytes. Only the SHA-256 of the secret is stored; a presented token is checked by
 * hashing its secret and comparing the hashes in constant time. (A fast hash is right here: the
 * secret has 256 bits of entropy, so there is nothing for a slow password hash to protect.)
 */
export interface GeneratedToken {
  id: string;
  /** The whole token: shown once, never stored. */
  token: string;
  secretSha256: string;
}

const ID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789";
const TOKEN = /^tf_([a-z2-9]{12})_([A-Za-z0-9_-]{43})$/;

export function generateToken(): GeneratedToken {
  const idBytes = randomBytes(12);
  const id = Array.from(idBytes, (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join("");
  const secret = randomBytes(32).toString("base64url");
  return { id, token: `tf_${id}_${secret}`, secretSha256: sha256(secret) };
}

/** The id and secret of a well-formed token, or null. */
export function parseToken(token: string): { id: string; secret: string } | null {
  const match = TOKEN.exec(token);
  if (match === null) return null;
  return { id: match[1] as string, secret: match[2] as string };
}

/** Constant-time comparison of a presented secret with a stored hash. */
export function secretMatches(secret: string, storedSha256: string): boolean {
  const presented = Buffer.from(sha256(secret), "hex");
  const stored = Buffer.from(storedSha256, "hex");
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}
