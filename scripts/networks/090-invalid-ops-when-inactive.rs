//! Operations that need a running network fail on a defined, inactive one with OperationInvalid and leave it unchanged.

use tck::prelude::*;

pub const META: Meta = Meta {
    tags: &["network"],
    ..Meta::DEFAULT
};

pub fn run(t: &mut Tap, cx: &Context) -> Outcome {
    t.plan(8);
    let conn = cx.connect()?;
    let name = cx.name("net");
    let xml = cx.network(&name).as_xml();

    let net = t.ok_result(conn.define_network_xml(&xml), "define a persistent network")?;
    t.ok(!net.is_active()?, "the defined network is inactive");
    t.err_code(
        net.destroy(),
        ErrorNumber::OperationInvalid,
        "destroy of an inactive network raises OperationInvalid",
    );
    t.ok(
        !net.is_active()?,
        "the network is still inactive after the refused destroy",
    );
    t.ok(
        net.is_persistent()?,
        "the network is still defined after the refused destroy",
    );
    let host = "<host ip='192.0.2.10'><hostname>tck-probe</hostname></host>";
    t.err_code(
        net.update(
            virt::sys::VIR_NETWORK_UPDATE_COMMAND_ADD_LAST,
            virt::sys::VIR_NETWORK_SECTION_DNS_HOST,
            -1,
            host,
            virt::sys::VIR_NETWORK_UPDATE_AFFECT_LIVE,
        ),
        ErrorNumber::OperationInvalid,
        "a live update of an inactive network raises OperationInvalid",
    );
    t.ok(
        !net.xml_desc(0)?.contains("tck-probe"),
        "the refused live update changed nothing",
    );
    t.ok_result(net.undefine(), "undefine the network")?;
    Ok(())
}
