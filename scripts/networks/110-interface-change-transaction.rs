//! Host network configuration transactions: inside a transaction a second begin is refused; an interface defined in a rolled-back transaction is gone, one defined in a committed transaction stays; rollback and commit outside a transaction are refused.
//!
//! Transactions need an interface driver that keeps configuration files
//! (netcf). Without one — Debian's libvirt uses udev, which only lists
//! interfaces — begin reports NoSupport and the script skips as
//! unsupported by the driver.

use tck::prelude::*;
use tck::virt::assert::unsupported_reason;
use tck::virt::shim::{interface_change, InterfaceChange::*};

pub const META: Meta = Meta {
    tags: &["network", "host"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    let conn = cx.connect()?;
    let begun = interface_change(conn, Begin);
    if let Err(e) = &begun {
        if e.is_unsupported() {
            return Err(t.skip_all(&unsupported_reason(e)));
        }
    }
    t.plan(12);
    let name = cx.bridge_name("if0")?;
    let xml = format!(
        "<interface type='ethernet' name='{name}'><start mode='none'/>\
         <mac address='{}'/></interface>",
        cx.mac(1)
    );

    t.ok_result(begun, "begin a transaction")?;
    t.err_code(
        interface_change(conn, Begin),
        ErrorNumber::OperationInvalid,
        "a second begin inside the transaction raises OperationInvalid",
    );
    t.ok_result(
        conn.define_interface_xml(&xml, 0),
        "define an interface inside the transaction",
    )?;
    t.ok_result(
        interface_change(conn, Rollback),
        "roll the transaction back",
    )?;
    t.err_code(
        conn.lookup_interface_by_name(&name),
        ErrorNumber::NoInterface,
        "the interface defined in the rolled-back transaction is gone",
    );
    t.err_code(
        interface_change(conn, Rollback),
        ErrorNumber::OperationInvalid,
        "rollback outside a transaction raises OperationInvalid",
    );
    t.err_code(
        interface_change(conn, Commit),
        ErrorNumber::OperationInvalid,
        "commit outside a transaction raises OperationInvalid",
    );

    t.ok_result(interface_change(conn, Begin), "begin another transaction")?;
    t.ok_result(
        conn.define_interface_xml(&xml, 0),
        "define the interface inside the second transaction",
    )?;
    t.ok_result(interface_change(conn, Commit), "commit the transaction")?;
    let iface = t.ok_result(
        conn.lookup_interface_by_name(&name),
        "the interface defined in the committed transaction stays",
    )?;
    t.ok_result(iface.undefine(), "undefine the interface")?;
    Ok(())
}
