"""Database guards that a CHECK constraint cannot express, because they look at other rows.

- A position is held in the member's own committee tree, and a cell position in the member's own cell.
- An overseer oversees a cell of their own committee tree.
"""

from django.db import migrations

SQL = """
CREATE FUNCTION phuthang_committee_root(start_id bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
    WITH RECURSIVE up(id, parent_id, depth) AS (
        SELECT id, parent_id, 0 FROM cells_committee WHERE id = start_id
        UNION ALL
        SELECT c.id, c.parent_id, up.depth + 1 FROM cells_committee c JOIN up ON c.id = up.parent_id
        WHERE up.depth < 50
    )
    SELECT id FROM up WHERE parent_id IS NULL LIMIT 1
$$;

CREATE FUNCTION phuthang_member_root(member bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT phuthang_committee_root(cell.committee_id)
    FROM cells_member m JOIN cells_cell cell ON cell.id = m.cell_id WHERE m.id = member
$$;

CREATE FUNCTION phuthang_cell_root(cell bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT phuthang_committee_root(committee_id) FROM cells_cell WHERE id = cell
$$;

CREATE FUNCTION phuthang_position_same_tree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.cell_id IS NOT NULL THEN
        IF (SELECT cell_id FROM cells_member WHERE id = NEW.member_id) IS DISTINCT FROM NEW.cell_id THEN
            RAISE EXCEPTION 'position_member_in_cell: member % is not in cell %', NEW.member_id, NEW.cell_id
                USING ERRCODE = 'check_violation';
        END IF;
    ELSIF phuthang_member_root(NEW.member_id)
            IS DISTINCT FROM phuthang_committee_root(NEW.committee_id) THEN
        RAISE EXCEPTION 'position_same_tree: member % is outside the tree of committee %',
            NEW.member_id, NEW.committee_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER position_same_tree BEFORE INSERT OR UPDATE ON cells_position
    FOR EACH ROW EXECUTE FUNCTION phuthang_position_same_tree();

CREATE FUNCTION phuthang_oversight_same_tree() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF phuthang_member_root(NEW.overseer_id) IS DISTINCT FROM phuthang_cell_root(NEW.cell_id) THEN
        RAISE EXCEPTION 'oversight_same_tree: overseer % is outside the tree of cell %',
            NEW.overseer_id, NEW.cell_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER oversight_same_tree BEFORE INSERT OR UPDATE ON cells_oversightassignment
    FOR EACH ROW EXECUTE FUNCTION phuthang_oversight_same_tree();
"""

REVERSE_SQL = """
DROP TRIGGER IF EXISTS oversight_same_tree ON cells_oversightassignment;
DROP TRIGGER IF EXISTS position_same_tree ON cells_position;
DROP FUNCTION IF EXISTS phuthang_oversight_same_tree();
DROP FUNCTION IF EXISTS phuthang_position_same_tree();
DROP FUNCTION IF EXISTS phuthang_cell_root(bigint);
DROP FUNCTION IF EXISTS phuthang_member_root(bigint);
DROP FUNCTION IF EXISTS phuthang_committee_root(bigint);
"""


class Migration(migrations.Migration):
    dependencies = [("cells", "0001_initial")]
    operations = [migrations.RunSQL(SQL, REVERSE_SQL)]
