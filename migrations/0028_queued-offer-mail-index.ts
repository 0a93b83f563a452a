// sha256:11aec53770c7f12c4b4928044979d6342068dff34ce0301db1120ff70ae59772 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// Every offer marks the player's queued offer mail skipped (sql/queue_contract_message.sql). Through
// contract_messages_by_player that read every message the player ever had, one more per offer, and
// the bench's ten-minute soak got slower as they piled up (docs/PERFORMANCE.md, "Scale and soak").
// This index holds only the queued offer mail: at most one row per player.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE INDEX contract_messages_queued_offer ON contract_messages (tenant_id, player_id)
    WHERE kind = 'offer' AND status = 'queued';
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP INDEX contract_messages_queued_offer;');
}
