"""The organisation keeps its history: nothing is deleted through the admin, and changes leave events."""

from django.apps import apps

from cells.models import Member, OversightAssignment


def test_office_staff_cannot_delete_a_member_in_the_admin(client, staff, ward):
    member = ward.members01[0]
    client.force_login(staff)

    assert client.get(f"/admin/cells/member/{member.pk}/delete/").status_code == 403
    assert Member.objects.filter(pk=member.pk).exists()


def test_a_cleared_oversight_assignment_is_kept_in_the_history(overseer, ward):
    assignment = OversightAssignment.objects.get(cell=ward.cell01)
    pk = assignment.pk

    assignment.delete()

    events = apps.get_model("cells", "OversightAssignmentEvent").objects.filter(pgh_obj_id=pk)
    assert set(events.values_list("pgh_label", flat=True)) == {"insert", "delete"}


def test_a_bulk_change_to_members_leaves_an_event_per_member(ward):
    Member.objects.filter(cell=ward.cell01).update(phone="0912345678")

    changed = apps.get_model("cells", "MemberEvent").objects.filter(pgh_label="update", cell=ward.cell01)
    assert changed.count() == Member.objects.filter(cell=ward.cell01).count()
