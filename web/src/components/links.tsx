// Mantine components as typed router links: `to` and `params` are checked
// against the route tree, and the router handles the navigation.
import { Anchor, Button, NavLink, type AnchorProps, type ButtonProps, type NavLinkProps } from '@mantine/core';
import { createLink } from '@tanstack/react-router';
import type { AnchorHTMLAttributes, Ref } from 'react';

type A = AnchorHTMLAttributes<HTMLAnchorElement> & { ref?: Ref<HTMLAnchorElement> };

function AnchorBase(props: AnchorProps & A) {
  return <Anchor component="a" {...props} />;
}
function ButtonBase(props: ButtonProps & A) {
  return <Button component="a" {...props} />;
}
function NavLinkBase(props: NavLinkProps & A) {
  return <NavLink component="a" {...props} />;
}

export const AnchorLink = createLink(AnchorBase);
export const ButtonLink = createLink(ButtonBase);
export const NavLinkLink = createLink(NavLinkBase);
