-- Users may be read-only (`users add --read-only`). Every record states the flag from here on,
-- so that a user is compared whole when it is replaced; the version this migration adds is what
-- makes an older build, which would ignore the flag, refuse the database.

UPDATE users SET record = record || '{"read_only": false}'::jsonb WHERE NOT record ? 'read_only';
