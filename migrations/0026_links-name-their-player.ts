// sha256:1c29ac8211e84a6577a5aaf55d4aff9ab03558f3321d37dfb6699e9cddd51366 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// An offer's UPDATE of players becomes a HOT update (docs/PERFORMANCE.md): the family link's route
// names its player, so the player is found by primary key and players needs no index on
// contract_token, which every offer changes. Tokens stay unique: every token written to players is
// routed by the route_contract_token trigger into contract_links, whose primary key is the token.
// A link whose player was deleted before this migration keeps a NULL player_id and, as before, finds
// nobody; player ids are never reused, so one deleted later finds nobody either. Pages of players
// keep a fifth free for the new row versions.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE contract_links ADD COLUMN player_id integer;
    UPDATE contract_links SET player_id = players.id
    FROM players
    WHERE players.tenant_id = contract_links.tenant_id AND players.contract_token = contract_links.token;
    UPDATE contract_links SET player_id = replaced.player_id
    FROM superseded_contract_tokens AS replaced
    WHERE replaced.tenant_id = contract_links.tenant_id AND replaced.token = contract_links.token
      AND contract_links.player_id IS NULL;

    ALTER TABLE players DROP CONSTRAINT players_contract_token_unique;
    ALTER TABLE players SET (fillfactor = 80);
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE players RESET (fillfactor);
    ALTER TABLE players ADD CONSTRAINT players_contract_token_unique UNIQUE (tenant_id, contract_token);
    ALTER TABLE contract_links DROP COLUMN player_id;
  `);
}
